using Microsoft.AspNetCore.Http;

namespace Webhook.Providers.Verification;

/// <summary>
/// Checks that a webhook really comes from its provider, on the raw bytes, before anything parses them.
/// One implementation per provider; each is registered as a singleton and must be thread-safe.
/// </summary>
public interface IWebhookVerifier
{
    /// <summary>Whether the provider's key is configured; an unconfigured provider's route is not served.</summary>
    bool IsConfigured { get; }

    /// <summary>Verifies signature and timestamp. Never throws for bad input.</summary>
    VerificationResult Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body);
}

/// <summary>The outcome of <see cref="IWebhookVerifier.Verify"/>.</summary>
/// <param name="DeliveryId">The provider's id of this delivery when it has one; event ids are derived from it.</param>
/// <param name="Failure">Why verification failed; null when it passed.</param>
/// <param name="SingleUse">
/// When the signature does not cover the whole request (Mailgun's covers a timestamp and a token, not the events), the
/// token it covers: the request may be accepted once only, and the intake claims the token in the store every replica
/// shares before it accepts.
/// </param>
public readonly record struct VerificationResult(string? DeliveryId, string? Failure, SingleUseToken? SingleUse = null)
{
    public bool IsValid => Failure is null;

    public static VerificationResult Valid(string? deliveryId, SingleUseToken? singleUse = null) => new(deliveryId, null, singleUse);

    public static VerificationResult Invalid(string failure) => new(null, failure);
}

/// <summary>A signed token that makes a request usable once, until <paramref name="ExpiresAt"/> (after which its timestamp is refused anyway).</summary>
public sealed record SingleUseToken(string Token, DateTimeOffset ExpiresAt);
