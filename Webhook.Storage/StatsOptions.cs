using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Webhook.Storage;

/// <summary>Where the statistics live in DynamoDB. Section "Stats".</summary>
public sealed class StatsOptions
{
    public const string Section = "Stats";

    /// <summary>Prefix of both table names, so that several environments can share an account.</summary>
    [Required(ErrorMessage = "Stats:TablePrefix must be set.")]
    [RegularExpression("^[a-zA-Z0-9_.-]{0,200}$", ErrorMessage = "Stats:TablePrefix must be at most 200 letters, digits, '_', '.' or '-'.")]
    public string TablePrefix { get; set; } = "webhook-";

    /// <summary>Create missing tables at start (on by default; off where infrastructure code owns them).</summary>
    public bool CreateTables { get; set; } = true;
}

