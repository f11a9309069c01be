using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Webhook.Api.Options;

/// <summary>The operators' endpoints under /admin. Section "Admin".</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>Shortest key accepted: a key anyone could guess would open the dead letters to them.</summary>
    public const int MinimumKeyLength = 32;

    public const string ApiKeySetting = "Admin:ApiKey";

    /// <summary>
    /// The key operators send in the <c>X-Api-Key</c> header. Unset: the admin endpoints are not served at all (404).
    /// A secret: set it as an environment variable (<c>Admin__ApiKey</c>) or from a secret store.
    /// </summary>
    [AdminApiKey(ErrorMessage = "Admin:ApiKey must be at least 32 characters without spaces (for example the output of 'openssl rand -base64 32').")]
    public string? ApiKey { get; set; }

    /// <summary>Events per second a replay sends back to the main queue when the request names no rate.</summary>
    [Range(0.1, 10_000, ErrorMessage = "Admin:ReplayRate must be between 0.1 and 10000 events per second.")]
    public double ReplayRate { get; set; } = 100;

    public static bool IsKeyAcceptable(string? key) =>
        string.IsNullOrEmpty(key) || (key.Length >= MinimumKeyLength && !key.Any(char.IsWhiteSpace));
}

/// <summary>Unset, or a key no one could guess (<see cref="AdminOptions.IsKeyAcceptable"/>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AdminApiKeyAttribute : ValidationAttribute
{
    public override bool IsValid(object? value) => AdminOptions.IsKeyAcceptable(value as string);
}

