using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Webhook.Testing;

namespace Webhook.Bench;

/// <summary>
/// Signed requests as the providers send them (<see cref="Signatures"/>, as the tests sign theirs), built for
/// throughput: the load generator shares the machine's two cores with the system it measures.
/// </summary>
public sealed class Requests
{
    static readonly MediaTypeHeaderValue Json = new("application/json");
    static readonly string[] EventTypes = ["Opened", "Opened", "Clicked"];

    readonly byte[] _standardKey;
    readonly ECDsa _sendGridKey;
    readonly Lock _sendGridLock = new();
    readonly string _run;
    long _deliveries;
    long _sendGridEvents;

    public Requests(string run)
    {
        _run = run;
        _standardKey = RandomNumberGenerator.GetBytes(32);
        StandardSecret = "whsec_" + Convert.ToBase64String(_standardKey);
        _sendGridKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        SendGridVerificationKey = Convert.ToBase64String(_sendGridKey.ExportSubjectPublicKeyInfo());
    }

    /// <summary>Webhooks:Email:Secret of the API and the naive baseline.</summary>
    public string StandardSecret { get; }

    /// <summary>Webhooks:SendGrid:VerificationKey of the API: the public half of a P-256 key made for this run.</summary>
    public string SendGridVerificationKey { get; }

    public const int FirstEmail = 100_000;
    public const int Emails = 10_000;

    /// <summary>One of the emails <see cref="BenchDatabase.SeedAsync"/> inserts.</summary>
    public static string EmailId(long n) => $"email-{FirstEmail + (n % Emails)}";

    public static string EventType(long n) => EventTypes[n % EventTypes.Length];

    /// <summary>One event, signed with Standard Webhooks; a webhook-id of its own, so every request is a new delivery.</summary>
    public HttpRequestMessage Standard(string path, long n)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"emailId":"{{EmailId(n)}}","eventType":"{{EventType(n)}}"}""");
        // Numbered across the whole run, not per scenario: a reused id would be a duplicate the Processor skips.
        var id = $"msg_{_run}_{Interlocked.Increment(ref _deliveries)}";
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Signatures.Standard(_standardKey, id, timestamp, body);

        var request = Post(path, body);
        request.Headers.TryAddWithoutValidation("webhook-id", id);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp);
        request.Headers.TryAddWithoutValidation("webhook-signature", signature);
        return request;
    }

    /// <summary>
    /// A forgery of <see cref="Standard"/>: the same shape and headers, a signature made with a key that is not ours, as
    /// a flood of fakes sends them. The API refuses it after reading the body and checking the signature.
    /// </summary>
    public HttpRequestMessage Forged(string path, long n)
    {
        var request = Standard(path, n);
        request.Headers.Remove("webhook-signature");
        request.Headers.TryAddWithoutValidation("webhook-signature", "v1," + Convert.ToBase64String(new byte[32]));
        return request;
    }

    /// <summary>A SendGrid Event Webhook batch of <paramref name="size"/> events, ECDSA-signed as SendGrid signs.</summary>
    public HttpRequestMessage SendGridBatch(int size)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var json = new StringBuilder(size * 160).Append('[');
        var first = Interlocked.Add(ref _sendGridEvents, size) - size;
        for (var i = 0; i < size; i++)
        {
            var e = first + i;
            if (i > 0)
                json.Append(',');
            json.Append(CultureInfo.InvariantCulture,
                $$"""{"email":"customer{{e % 1000}}@example.com","timestamp":{{now}},"event":"{{(e % 3 == 2 ? "click" : "open")}}","sg_event_id":"ev-{{_run}}-{{e}}","sg_message_id":"sg-{{_run}}-{{e}}","email_id":"{{EmailId(e)}}"}""");
        }
        var body = Encoding.UTF8.GetBytes(json.Append(']').ToString());
        var timestamp = now.ToString(CultureInfo.InvariantCulture);
        string signature;
        lock (_sendGridLock)
            signature = Signatures.SendGrid(_sendGridKey, timestamp, body);

        var request = Post("/webhooks/sendgrid", body);
        request.Headers.TryAddWithoutValidation("X-Twilio-Email-Event-Webhook-Signature", signature);
        request.Headers.TryAddWithoutValidation("X-Twilio-Email-Event-Webhook-Timestamp", timestamp);
        return request;
    }

    public static HttpRequestMessage Post(string path, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        return request;
    }
}
