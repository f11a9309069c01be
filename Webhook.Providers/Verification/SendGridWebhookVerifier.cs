using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Webhook.Providers.Verification;

/// <summary>
/// SendGrid's Signed Event Webhook: <c>X-Twilio-Email-Event-Webhook-Signature</c> is base64 of an ECDSA P-256 /
/// SHA-256 signature over the UTF-8 bytes of the <c>X-Twilio-Email-Event-Webhook-Timestamp</c> value followed by the
/// raw body. The signature is DER-encoded (an ASN.1 SEQUENCE of r and s, as SendGrid's own libraries read it), not the
/// IEEE P1363 r‖s that .NET assumes by default.
/// </summary>
public sealed class SendGridWebhookVerifier : IWebhookVerifier, IDisposable
{
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";
    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";

    // A DER P-256 signature is at most 72 bytes (96 characters of base64); anything longer is not one.
    const int MaxSignatureLength = 128;
    const int MaxTimestampLength = 20;
    const string P256Oid = "1.2.840.10045.3.1.7";

    readonly byte[]? _publicKey;
    readonly ThreadLocal<ECDsa>? _keys;
    readonly TimeSpan _tolerance;
    readonly TimeProvider _time;

    /// <param name="options">The key, validated at start (see <see cref="SendGridVerificationKeyAttribute"/>).</param>
    public SendGridWebhookVerifier(SendGridWebhookOptions options, TimeProvider time)
    {
        if (!string.IsNullOrWhiteSpace(options.VerificationKey) && ParseVerificationKey(options.VerificationKey) is { } publicKey)
        {
            _publicKey = publicKey;
            // One key object per thread: instance members of ECDsa are not documented as thread-safe.
            _keys = new ThreadLocal<ECDsa>(ImportKey, trackAllValues: true);
        }
        _tolerance = options.TimestampTolerance;
        _time = time;
    }

    public bool IsConfigured => _keys is not null;

    /// <summary>
    /// The DER SubjectPublicKeyInfo of a verification key as SendGrid shows it (base64, optionally wrapped in PEM
    /// armour), or null when it is not an ECDSA P-256 public key.
    /// </summary>
    public static byte[]? ParseVerificationKey(string verificationKey)
    {
        var base64 = verificationKey
            .Replace("-----BEGIN PUBLIC KEY-----", "", StringComparison.Ordinal)
            .Replace("-----END PUBLIC KEY-----", "", StringComparison.Ordinal);
        base64 = string.Concat(base64.Where(c => !char.IsWhiteSpace(c)));

        var der = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, der, out var written) || written == 0)
            return null;
        der = der[..written];
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(der, out var read);
            return read == der.Length && key.ExportParameters(false).Curve.Oid.Value == P256Oid ? der : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public VerificationResult Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body)
    {
        if (_keys is null)
            return VerificationResult.Invalid("No verification key is configured.");

        string? signature = headers[SignatureHeader];
        string? timestamp = headers[TimestampHeader];
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(timestamp))
            return VerificationResult.Invalid($"The {SignatureHeader} and {TimestampHeader} headers are required.");
        if (signature.Length > MaxSignatureLength || timestamp.Length > MaxTimestampLength)
            return VerificationResult.Invalid("A signature header is malformed.");

        if (SignedTimestamp.Check(timestamp, $"{TimestampHeader} header", _time, _tolerance, out _) is { } stale)
            return VerificationResult.Invalid(stale);

        Span<byte> der = stackalloc byte[MaxSignatureLength];
        if (!Convert.TryFromBase64String(signature, der, out var length))
            return VerificationResult.Invalid($"The {SignatureHeader} header is not base64.");

        // SendGrid signs timestamp + body; hashing the two in turn avoids copying a large body to concatenate them.
        // The timestamp is digits only (checked above), so its UTF-8 bytes are its ASCII characters.
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> prefix = stackalloc byte[MaxTimestampLength];
        var prefixLength = System.Text.Encoding.ASCII.GetBytes(timestamp, prefix);
        using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            sha.AppendData(prefix[..prefixLength]);
            sha.AppendData(body);
            sha.GetHashAndReset(hash);
        }

        return _keys.Value!.VerifyHash(hash, der[..length], DSASignatureFormat.Rfc3279DerSequence)
            ? VerificationResult.Valid(null)
            : VerificationResult.Invalid("The signature does not match.");
    }

    ECDsa ImportKey()
    {
        var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(_publicKey, out _);
        return key;
    }

    public void Dispose()
    {
        if (_keys is null)
            return;
        foreach (var key in _keys.Values)
            key.Dispose();
        _keys.Dispose();
    }
}
