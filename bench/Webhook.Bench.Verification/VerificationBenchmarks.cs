using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Webhook.Providers.Verification;

namespace Webhook.Bench.Verification;

/// <summary>
/// What checking one request's signature costs per scheme, on a typical body (about 1 KiB) and on one of 256 KiB, the
/// default body limit. Each benchmark verifies a valid signature, so the whole check runs, not an early refusal.
/// </summary>
/// <remarks>
/// Mailgun's check here is the signature and the timestamp; the single-use token is claimed afterwards by the intake,
/// in DynamoDB (a conditional write per request, measured by the system benchmark, not here).
/// </remarks>
[MemoryDiagnoser]
public class VerificationBenchmarks : IDisposable
{
    static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    static readonly string Timestamp = Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
    const string StandardSecret = "whsec_YmVuY2htYXJrLXNlY3JldC1mb3ItdGhlLXN0YW5kYXJkLXNjaGVtZQ==";
    const string MailgunKey = "benchmark-mailgun-signing-key-0123456789";

    StandardWebhookVerifier _standard = null!;
    SendGridWebhookVerifier _sendGrid = null!;
    MailgunWebhookVerifier _mailgun = null!;
    ECDsa _sendGridKey = null!;
    byte[] _standardBody = null!, _sendGridBody = null!, _mailgunFirstBody = null!, _mailgunLastBody = null!;
    HeaderDictionary _standardHeaders = null!, _sendGridHeaders = null!;
    readonly HeaderDictionary _noHeaders = [];

    [Params(1024, 256 * 1024)]
    public int BodyBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _sendGridKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clock = new FixedClock(Now);
        _standard = new StandardWebhookVerifier(new StandardWebhookOptions { Secret = StandardSecret }, clock);
        _sendGrid = new SendGridWebhookVerifier(new SendGridWebhookOptions { VerificationKey = Convert.ToBase64String(_sendGridKey.ExportSubjectPublicKeyInfo()) }, clock);
        _mailgun = new MailgunWebhookVerifier(new MailgunWebhookOptions { SigningKey = MailgunKey }, clock);

        _standardBody = Batch("""{"emailId":"email-{0}","eventType":"Opened","occurredAt":"2026-11-26T11:59:00Z"}""");
        var key = Convert.FromBase64String(StandardSecret["whsec_".Length..]);
        byte[] signed = [.. Encoding.UTF8.GetBytes($"msg_bench.{Timestamp}."), .. _standardBody];
        var signature = HMACSHA256.HashData(key, signed);
        _standardHeaders = new()
        {
            ["webhook-id"] = "msg_bench",
            ["webhook-timestamp"] = Timestamp,
            ["webhook-signature"] = "v1," + Convert.ToBase64String(signature),
        };

        _sendGridBody = Batch("""{"email":"someone@example.com","timestamp":1795694400,"event":"open","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.{0}","sg_event_id":"FOTFFO0ecsBE-zxFXfs6WA==","email_id":"email-{0}","useragent":"Mozilla/5.0","ip":"192.0.2.1"}""");
        _sendGridHeaders = new()
        {
            [SendGridWebhookVerifier.TimestampHeader] = Timestamp,
            [SendGridWebhookVerifier.SignatureHeader] = Convert.ToBase64String(_sendGridKey.SignData(
                [.. Encoding.UTF8.GetBytes(Timestamp), .. _sendGridBody], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)),
        };

        var token = "benchmark-token-0123456789abcdef0123456789abcdef01";
        var mailgunSignature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(MailgunKey), Encoding.UTF8.GetBytes(Timestamp + token)));
        var block = $$"""{"timestamp":"{{Timestamp}}","token":"{{token}}","signature":"{{mailgunSignature}}"}""";
        var eventData = $$"""{"event":"opened","id":"bench-event","timestamp":1795694400.5,"message":{"headers":{"message-id":"m@example.com"} },"padding":"{{new string('x', Math.Max(0, BodyBytes - 320))}}"}""";
        _mailgunFirstBody = Encoding.UTF8.GetBytes($$"""{"signature":{{block}},"event-data":{{eventData}}}""");
        _mailgunLastBody = Encoding.UTF8.GetBytes($$"""{"event-data":{{eventData}},"signature":{{block}}}""");

        Check(_standard.Verify(_standardHeaders, _standardBody));
        Check(_sendGrid.Verify(_sendGridHeaders, _sendGridBody));
        Check(_mailgun.Verify(_noHeaders, _mailgunFirstBody));
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _sendGrid.Dispose();
        _sendGridKey.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true)]
    public bool Standard() => _standard.Verify(_standardHeaders, _standardBody).IsValid;

    [Benchmark]
    public bool SendGrid() => _sendGrid.Verify(_sendGridHeaders, _sendGridBody).IsValid;

    /// <summary>Mailgun's own layout: the signature block first, so the reader stops before the event.</summary>
    [Benchmark]
    public bool MailgunSignatureFirst() => _mailgun.Verify(_noHeaders, _mailgunFirstBody).Failure is not null;

    /// <summary>The worst layout: the reader passes over the whole event before it reaches the signature.</summary>
    [Benchmark]
    public bool MailgunSignatureLast() => _mailgun.Verify(_noHeaders, _mailgunLastBody).Failure is not null;

    /// <summary>A JSON array of copies of <paramref name="template"/> ({0} numbered) as long as <see cref="BodyBytes"/>, give or take one event.</summary>
    byte[] Batch(string template)
    {
        var json = new StringBuilder("[");
        for (var i = 0; json.Length < BodyBytes - template.Length; i++)
            json.Append(i == 0 ? "" : ",").Append(template.Replace("{0}", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        return Encoding.UTF8.GetBytes(json.Append(']').ToString());
    }

    static void Check(VerificationResult result)
    {
        if (!result.IsValid)
            throw new InvalidOperationException($"The benchmark's own request does not verify: {result.Failure}");
    }

    sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
