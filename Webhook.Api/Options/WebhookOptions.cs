using System.ComponentModel.DataAnnotations;

namespace Webhook.Api.Options;

/// <summary>How webhooks are received, whichever provider sends them. Section "Webhooks".</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>How far a signed timestamp may be from now, either way, before the request is refused as a replay.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest body accepted; larger ones get 413 without being read to the end.</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>How long a request waits for the broker to confirm its events before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The Retry-After a 503 suggests to the provider.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The Standard Webhooks route, /webhooks/email.</summary>
    public StandardWebhookOptions Email { get; set; } = new();

    /// <summary>SendGrid's signed Event Webhook, /webhooks/sendgrid.</summary>
    public SendGridWebhookOptions SendGrid { get; set; } = new();

    /// <summary>Mailgun's webhooks, /webhooks/mailgun.</summary>
    public MailgunWebhookOptions Mailgun { get; set; } = new();

    /// <summary>How many refused requests one client may send before it gets 429 (section "Webhooks:RejectionRateLimit").</summary>
    public RejectionRateLimitOptions RejectionRateLimit { get; set; } = new();
}

/// <summary>Secrets of the Standard Webhooks scheme (section "Webhooks:Email").</summary>
public sealed class StandardWebhookOptions
{
    /// <summary>
    /// The current signing secret, <c>whsec_</c> followed by base64. Unset: the route is not served.
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>
    /// The secret being rotated out, still accepted until it is removed: set the new one as Secret and the old one
    /// here, deploy, let the provider switch, then remove this.
    /// </summary>
    public string? PreviousSecret { get; set; }
}

/// <summary>SendGrid's Signed Event Webhook (section "Webhooks:SendGrid").</summary>
public sealed class SendGridWebhookOptions
{
    /// <summary>
    /// The verification key exactly as SendGrid's Mail Settings page shows it: base64 of the DER-encoded
    /// SubjectPublicKeyInfo of an ECDSA P-256 public key. Unset: the route is not served.
    /// </summary>
    public string? VerificationKey { get; set; }

    /// <summary>
    /// Largest body accepted on this route. SendGrid posts a batch when it reaches 768 KB, more than the general
    /// <see cref="WebhookOptions.MaxBodyBytes"/>, and a refused batch is retried and finally dropped.
    /// </summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;
}

/// <summary>Mailgun's webhooks (section "Webhooks:Mailgun").</summary>
public sealed class MailgunWebhookOptions
{
    /// <summary>The HTTP webhook signing key from Mailgun's control panel. Unset: the route is not served.</summary>
    public string? SigningKey { get; set; }
}

/// <summary>
/// Refused requests (4xx other than 429) each use a permit of the client's budget; verified requests use none.
/// A client whose budget is spent gets 429 before its request is read, until the window has passed.
/// </summary>
public sealed class RejectionRateLimitOptions
{
    /// <summary>Refused requests one client address may send per <see cref="Window"/>.</summary>
    public int Permits { get; set; } = 100;

    /// <summary>The window after which a client's permits are renewed.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
