using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Webhook.Testing;

/// <summary>Requests signed the way each provider signs them (<see cref="Signatures"/>), with the tests' own keys.</summary>
public static class Signing
{
    public const string TestSecret = "whsec_dGVzdC1zZWNyZXQtZm9yLXRoZS13ZWJob29rLXRlc3Rz";
    public const string MailgunSigningKey = "mailgun-test-signing-key-0123456789";

    static readonly Lock SendGridKeyLock = new();

    /// <summary>The tests' SendGrid key pair; its public half is what ApiFactory configures.</summary>
    public static readonly ECDsa SendGridKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The public key as SendGrid's settings page shows one: base64 of the DER SubjectPublicKeyInfo.</summary>
    public static readonly string SendGridVerificationKey = Convert.ToBase64String(SendGridKey.ExportSubjectPublicKeyInfo());

    public static string Sign(string secret, string id, long timestamp, byte[] body) =>
        Signatures.Standard(Signatures.StandardKey(secret), id, timestamp.ToString(CultureInfo.InvariantCulture), body);

    public static HttpRequestMessage StandardRequest(string body, string secret = TestSecret, string? id = null,
        DateTimeOffset? at = null, string path = "/webhooks/email")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        id ??= "msg_" + Guid.NewGuid().ToString("N");
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var request = JsonRequest(path, bytes);
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", Sign(secret, id, timestamp, bytes));
        return request;
    }

    /// <summary>SendGrid's signature: ECDSA P-256 / SHA-256 over timestamp + body, DER-encoded, base64.</summary>
    public static string SignSendGrid(string timestamp, byte[] body, ECDsa? key = null)
    {
        lock (SendGridKeyLock)
            return Signatures.SendGrid(key ?? SendGridKey, timestamp, body);
    }

    public static HttpRequestMessage SendGridRequest(string body, DateTimeOffset? at = null, ECDsa? key = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var request = JsonRequest("/webhooks/sendgrid", bytes);
        request.Headers.Add("X-Twilio-Email-Event-Webhook-Signature", SignSendGrid(timestamp, bytes, key));
        request.Headers.Add("X-Twilio-Email-Event-Webhook-Timestamp", timestamp);
        return request;
    }

    /// <summary>Mailgun's signature: lowercase hex HMAC-SHA256 of timestamp + token.</summary>
    public static string SignMailgun(string timestamp, string token, string key = MailgunSigningKey) =>
        Signatures.Mailgun(key, timestamp, token);

    /// <summary>A Mailgun webhook body: the signature block, then <paramref name="eventData"/> as given.</summary>
    public static string MailgunBody(string eventData, DateTimeOffset? at = null, string? token = null, string key = MailgunSigningKey)
    {
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        token ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(25));
        return $$"""{"signature":{"timestamp":"{{timestamp}}","token":"{{token}}","signature":"{{SignMailgun(timestamp, token, key)}}"},"event-data":{{eventData}}}""";
    }

    public static HttpRequestMessage MailgunRequest(string body) => JsonRequest("/webhooks/mailgun", Encoding.UTF8.GetBytes(body));

    public static HttpRequestMessage JsonRequest(string path, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return request;
    }
}
