using System.Security.Cryptography;
using System.Text;

namespace Webhook.Testing;

/// <summary>
/// The providers' signatures, computed the way each provider documents them, independently of the code that verifies
/// them: Standard Webhooks (HMAC-SHA256 of id.timestamp.body), SendGrid (ECDSA P-256 over timestamp + body, DER),
/// Mailgun (HMAC-SHA256 of timestamp + token, lowercase hex).
/// </summary>
public static class Signatures
{
    /// <summary>The <c>webhook-signature</c> entry for a body: <c>v1,</c> and the base64 HMAC.</summary>
    public static string Standard(byte[] key, string id, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }

    /// <summary>The key bytes of a <c>whsec_</c> secret.</summary>
    public static byte[] StandardKey(string secret) => Convert.FromBase64String(secret["whsec_".Length..]);

    /// <summary>SendGrid's <c>X-Twilio-Email-Event-Webhook-Signature</c>. ECDsa instances are not thread-safe: callers lock.</summary>
    public static string SendGrid(ECDsa key, string timestamp, ReadOnlySpan<byte> body)
    {
        var content = new byte[Encoding.ASCII.GetByteCount(timestamp) + body.Length];
        var written = Encoding.ASCII.GetBytes(timestamp, content);
        body.CopyTo(content.AsSpan(written));
        return Convert.ToBase64String(key.SignData(content, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    /// <summary>Mailgun's <c>signature</c>: lowercase hex HMAC-SHA256 of timestamp + token.</summary>
    public static string Mailgun(string key, string timestamp, string token) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(timestamp + token)));
}
