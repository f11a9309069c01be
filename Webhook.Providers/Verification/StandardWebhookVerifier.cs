using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Webhook.Providers.Parsing;

namespace Webhook.Providers.Verification;

/// <summary>
/// Standard Webhooks (standardwebhooks.com): <c>webhook-signature</c> holds space-separated <c>v1,&lt;base64&gt;</c>
/// entries, each an HMAC-SHA256 of <c>{webhook-id}.{webhook-timestamp}.{raw body}</c> keyed with the base64 part of a
/// <c>whsec_</c> secret. Any entry matching any configured secret passes (several entries and two secrets make key
/// rotation possible on both sides).
/// </summary>
public sealed class StandardWebhookVerifier : IWebhookVerifier
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    const string SecretPrefix = "whsec_";
    const int MaxSignatureHeaderLength = 4096;

    readonly byte[][] _keys;
    readonly TimeSpan _tolerance;
    readonly TimeProvider _time;

    /// <param name="options">The secrets, validated at start (see <see cref="StandardWebhookSecretAttribute"/>).</param>
    public StandardWebhookVerifier(StandardWebhookOptions options, TimeProvider time)
    {
        _keys = new[] { options.Secret, options.PreviousSecret }
            .Where(s => !string.IsNullOrWhiteSpace(s))
            .Select(s => ParseSecret(s!))
            .OfType<byte[]>()
            .ToArray();
        _tolerance = options.TimestampTolerance;
        _time = time;
    }

    public bool IsConfigured => _keys.Length > 0;

    /// <summary>The key bytes of a <c>whsec_</c> secret, or null when it is not one.</summary>
    public static byte[]? ParseSecret(string secret)
    {
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        var key = new byte[Base64.GetMaxDecodedFromUtf8Length(encoded.Length)];
        return Convert.TryFromBase64String(encoded, key, out var written) && written > 0 ? key[..written] : null;
    }

    public VerificationResult Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body)
    {
        if (_keys.Length == 0)
            return VerificationResult.Invalid("No secret is configured.");

        string? id = headers[IdHeader];
        string? timestamp = headers[TimestampHeader];
        string? signatures = headers[SignatureHeader];
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatures))
            return VerificationResult.Invalid($"The {IdHeader}, {TimestampHeader} and {SignatureHeader} headers are required.");
        // The id becomes the events' identity and the set-aside events' DeliveryId: the rule of every id (a signed
        // escape sequence would otherwise reach an operator's terminal through the dead-letter tools and the logs).
        if (!ProviderPayload.IsId(id))
            return VerificationResult.Invalid(ProviderPayload.IdRule($"The {IdHeader} header"));
        if (signatures.Length > MaxSignatureHeaderLength)
            return VerificationResult.Invalid($"The {SignatureHeader} header is longer than {MaxSignatureHeaderLength} characters.");

        if (SignedTimestamp.Check(timestamp, $"{TimestampHeader} header", _time, _tolerance, out _) is { } stale)
            return VerificationResult.Invalid(stale);

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Span<byte> given = stackalloc byte[64];
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");

        foreach (var key in _keys)
        {
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
            hmac.AppendData(prefix);
            hmac.AppendData(body);
            hmac.GetHashAndReset(expected);

            foreach (var range in signatures.AsSpan().Split(' '))
            {
                var entry = signatures.AsSpan(range);
                if (!entry.StartsWith("v1,", StringComparison.Ordinal))
                    continue;
                if (Convert.TryFromBase64Chars(entry[3..], given, out var written)
                    && written == expected.Length
                    && CryptographicOperations.FixedTimeEquals(given[..written], expected))
                    return VerificationResult.Valid(id);
            }
        }

        return VerificationResult.Invalid("No signature matches.");
    }
}
