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
    [StandardWebhookSecret(ErrorMessage = $"{SecretKey} must be 'whsec_' followed by base64.")]
    public string? Secret { get; set; }

    /// <summary>
    /// The secret being rotated out, still accepted until it is removed: set the new one as Secret and the old one
    /// here, deploy, let the provider switch, then remove this.
    /// </summary>
    [StandardWebhookSecret(ErrorMessage = $"{PreviousSecretKey} must be 'whsec_' followed by base64.")]
    public string? PreviousSecret { get; set; }
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
}

/// <summary>Mailgun's webhooks (section "Webhooks:Mailgun").</summary>
public sealed class MailgunWebhookOptions
{
    public const string Section = "Webhooks:Mailgun";
    public const string SigningKeyKey = "Webhooks:Mailgun:SigningKey";

    /// <summary>The HTTP webhook signing key from Mailgun's control panel. Unset: the route is not served.</summary>
    [MailgunSigningKey(ErrorMessage = $"{SigningKeyKey} must be the signing key as Mailgun shows it: 16 to 256 visible ASCII characters, no spaces.")]
    public string? SigningKey { get; set; }
}

/// <summary>Unset, or a <c>whsec_</c> secret <see cref="StandardWebhookVerifier"/> can use.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class StandardWebhookSecretAttribute : ValidationAttribute
{
    public override bool IsValid(object? value) =>
        value is not string secret || string.IsNullOrWhiteSpace(secret) || StandardWebhookVerifier.ParseSecret(secret) is not null;
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
