using System.ComponentModel.DataAnnotations;

namespace Webhook.Api.Options;

/// <summary>The operators' endpoints under /admin. Section "Admin".</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>Shortest key accepted: a key anyone could guess would open the dead letters to them.</summary>
    public const int MinimumKeyLength = 32;

    /// <summary>
    /// The key operators send in the <c>X-Api-Key</c> header. Unset: the admin endpoints are not served at all (404).
    /// A secret: set it as an environment variable (<c>Admin__ApiKey</c>) or from a secret store.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Events per second a replay sends back to the main queue when the request names no rate.</summary>
    [Range(0.1, 10_000)]
    public double ReplayRate { get; set; } = 100;

    public static bool IsKeyAcceptable(string? key) =>
        string.IsNullOrEmpty(key) || (key.Length >= MinimumKeyLength && !key.Any(char.IsWhiteSpace));
}
