using System.ComponentModel.DataAnnotations;

namespace Webhook.Providers.Verification;

/// <summary>Secrets of the Standard Webhooks scheme (section "Webhooks:Email").</summary>
public sealed class StandardWebhookOptions
{
    public const string Section = "Webhooks:Email";
    public const string SecretKey = "Webhooks:Email:Secret";
    public const string PreviousSecretKey = "Webhooks:Email:PreviousSecret";

    /// <summary>
    /// The current signing secret, <c>whsec_</c> followed by base64. Unset: the route is not served.
    /// </summary>
    [StandardWebhookSecret(ErrorMessage = $"{SecretKey} must be 'whsec_' followed by the base64 of at least 24 bytes.")]
    public string? Secret { get; set; }

    /// <summary>
    /// The secret being rotated out, still accepted until it is removed: set the new one as Secret and the old one
    /// here, deploy, let the provider switch, then remove this.
    /// </summary>
    [StandardWebhookSecret(ErrorMessage = $"{PreviousSecretKey} must be 'whsec_' followed by the base64 of at least 24 bytes.")]
    public string? PreviousSecret { get; set; }

    /// <summary>
    /// How far the signed timestamp may be from now, either way. Standard Webhooks senders sign every attempt anew,
    /// so the specification's five minutes refuse a captured request soon; a replay within them carries the same
    /// webhook-id, hence the same event ids, and changes nothing.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Webhooks:Email:TimestampTolerance must be between 00:00:01 and 01:00:00.")]
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>SendGrid's Signed Event Webhook (section "Webhooks:SendGrid").</summary>
public sealed class SendGridWebhookOptions
{
    public const string Section = "Webhooks:SendGrid";
    public const string VerificationKeyKey = "Webhooks:SendGrid:VerificationKey";

    /// <summary>
    /// The verification key exactly as SendGrid's Mail Settings page shows it: base64 of the DER-encoded
    /// SubjectPublicKeyInfo of an ECDSA P-256 public key. Unset: the route is not served.
    /// </summary>
    [SendGridVerificationKey(ErrorMessage = $"{VerificationKeyKey} must be the base64 of an ECDSA P-256 public key (SubjectPublicKeyInfo), as SendGrid's Mail Settings page shows it.")]
    public string? VerificationKey { get; set; }

    /// <summary>
    /// Largest body accepted on this route. SendGrid posts a batch when it reaches 768 KB, more than the general
    /// Webhooks:MaxBodyBytes, and a refused batch is retried and finally dropped.
    /// </summary>
    [Range(1, 16 * 1024 * 1024, ErrorMessage = "Webhooks:SendGrid:MaxBodyBytes must be between 1 and 16777216.")]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// How far the signed timestamp may be from now, either way. SendGrid retries a batch for 24 hours and does not
    /// document that a retry is signed anew; its signature covers the whole body, so a replay within the tolerance can
    /// only bring the same events again, which the Processor counts once (its inbox remembers longer than this).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "2.00:00:00", ErrorMessage = "Webhooks:SendGrid:TimestampTolerance must be between 00:00:01 and 2.00:00:00.")]
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromHours(25);
}

/// <summary>Mailgun's webhooks (section "Webhooks:Mailgun").</summary>
public sealed class MailgunWebhookOptions
{
    public const string Section = "Webhooks:Mailgun";
    public const string SigningKeyKey = "Webhooks:Mailgun:SigningKey";

    /// <summary>The HTTP webhook signing key from Mailgun's control panel. Unset: the route is not served.</summary>
    [MailgunSigningKey(ErrorMessage = $"{SigningKeyKey} must be the signing key as Mailgun shows it: 16 to 256 visible ASCII characters, no spaces.")]
    public string? SigningKey { get; set; }

    /// <summary>
    /// How far the signed timestamp may be from now, either way. Mailgun's retries resend the first attempt's
    /// signature, 5, 15, 30 and 90 minutes after it (then 3 h 30 and 7 h 30): with two hours, every webhook of a broker
    /// outage of up to 90 minutes is accepted at its retry after the outage. The single-use token, shared by every
    /// replica, keeps a longer tolerance from letting a captured request in twice.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "09:00:00", ErrorMessage = "Webhooks:Mailgun:TimestampTolerance must be between 00:00:01 and 09:00:00.")]
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromHours(2);
}

/// <summary>
/// Unset, or a <c>whsec_</c> secret <see cref="StandardWebhookVerifier"/> can use, of at least
/// <see cref="MinimumBytes"/> bytes (the Standard Webhooks specification's 24 to 64).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class StandardWebhookSecretAttribute : ValidationAttribute
{
    public const int MinimumBytes = 24;

    public override bool IsValid(object? value) =>
        value is not string secret || string.IsNullOrWhiteSpace(secret) || StandardWebhookVerifier.ParseSecret(secret) is { Length: >= MinimumBytes };
}

/// <summary>Unset, or a key <see cref="SendGridWebhookVerifier"/> can use.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SendGridVerificationKeyAttribute : ValidationAttribute
{
    public override bool IsValid(object? value) =>
        value is not string key || string.IsNullOrWhiteSpace(key) || SendGridWebhookVerifier.ParseVerificationKey(key) is not null;
}

/// <summary>Unset, or a key <see cref="MailgunWebhookVerifier"/> can use.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MailgunSigningKeyAttribute : ValidationAttribute
{
    public override bool IsValid(object? value) =>
        value is not string key || key.Length == 0 || MailgunWebhookVerifier.IsSigningKey(key);
}
