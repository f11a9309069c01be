using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Webhook.Tests.Fixtures;

/// <summary>Signs requests the way a Standard Webhooks sender does, independently of the code under test.</summary>
public static class Signing
{
    public const string TestSecret = "whsec_dGVzdC1zZWNyZXQtZm9yLXRoZS13ZWJob29rLXRlc3Rz";

    public static string Sign(string secret, string id, long timestamp, byte[] body)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var content = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }

    public static HttpRequestMessage StandardRequest(string body, string secret = TestSecret, string? id = null,
        DateTimeOffset? at = null, string path = "/webhooks/email")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        id ??= "msg_" + Guid.NewGuid().ToString("N");
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", Sign(secret, id, timestamp, bytes));
        return request;
    }
}
