using System.ComponentModel.DataAnnotations;

namespace Webhook.Api.Options;

/// <summary>
/// How webhooks are received, whichever provider sends them. Section "Webhooks"; each provider's keys have a section
/// of their own below it (Webhooks:Email, Webhooks:SendGrid, Webhooks:Mailgun: see Webhook.Providers), and so has
/// the budget of refused requests (Webhooks:RejectionRateLimit).
/// </summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Largest body accepted; larger ones get 413 without being read to the end.</summary>
    [Range(1, 16 * 1024 * 1024, ErrorMessage = "Webhooks:MaxBodyBytes must be between 1 and 16777216.")]
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>How long a request waits for the broker to confirm its events before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "Webhooks:PublishTimeout must be between 00:00:00.100 and 00:01:00.")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Request bodies one process holds in memory at once, over every request; beyond it a request is answered 503
    /// with Retry-After. Bodies are held as they arrive, not as their Content-Length announces.
    /// </summary>
    [Range(64 * 1024, 16L * 1024 * 1024 * 1024, ErrorMessage = "Webhooks:MaxBufferedBodyBytes must be between 65536 and 17179869184.")]
    public long MaxBufferedBodyBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>
    /// Events (and set-aside events) one process has published and not yet seen confirmed by the broker; beyond it a
    /// request is answered 503 with Retry-After. Each costs a few kilobytes until its confirmation.
    /// </summary>
    [Range(1, 10_000_000, ErrorMessage = "Webhooks:MaxPendingEvents must be between 1 and 10000000.")]
    public int MaxPendingEvents { get; set; } = 20_000;

    /// <summary>The Retry-After a 503 suggests to the provider.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Webhooks:RetryAfter must be between 00:00:01 and 01:00:00.")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Refused requests (4xx other than 429) each use a permit of the client's budget; verified requests use none.
/// A client whose budget is spent gets 429 before its request is read, until the window has passed.
/// </summary>
public sealed class RejectionRateLimitOptions
{
    public const string Section = "Webhooks:RejectionRateLimit";

    /// <summary>Refused requests one client address may send per <see cref="Window"/>.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Webhooks:RejectionRateLimit:Permits must be at least 1.")]
    public int Permits { get; set; } = 100;

    /// <summary>The window after which a client's permits are renewed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Webhooks:RejectionRateLimit:Window must be between 00:00:01 and 01:00:00.")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

