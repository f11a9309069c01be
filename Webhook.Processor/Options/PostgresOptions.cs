using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Webhook.Processor.Options;

/// <summary>The marketing database's address, from ConnectionStrings:Postgres.</summary>
public sealed class PostgresOptions
{
    public const string Section = "ConnectionStrings";

    /// <summary>An Npgsql connection string, e.g. <c>Host=127.0.0.1;Port=55432;Database=webhook;Username=postgres</c>.</summary>
    [Required(ErrorMessage = "ConnectionStrings:Postgres is not set (an Npgsql connection string, for example Host=127.0.0.1;Port=55432;Database=webhook;Username=postgres).")]
    public string? Postgres { get; set; }
}

