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
