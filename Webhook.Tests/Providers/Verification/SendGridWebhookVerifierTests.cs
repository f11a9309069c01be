using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Webhook.Providers.Verification;
using Webhook.Testing;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Providers.Verification;

public class SendGridWebhookVerifierTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    static readonly byte[] Body = Encoding.UTF8.GetBytes("""[{"email":"a@example.com","event":"open","sg_message_id":"m1","timestamp":1795000000}]""");

    /// <summary>
    /// Published vectors: SendGrid's own test suites for their Event Webhook helpers. The first is in
    /// sendgrid/sendgrid-csharp tests/SendGrid.Tests/Helpers/EventWebhook/RequestValidatorTests.cs and
    /// sendgrid/sendgrid-nodejs packages/eventwebhook/src/eventwebhook.spec.js; the second, a real "dropped" batch
    /// with the trailing CRLF SendGrid sends, in sendgrid/sendgrid-python test/unit/test_eventwebhook.py.
    /// </summary>
    public static class Published
    {
        public const string LibraryKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==";
        public const string LibraryPayload = """{"category":"example_payload","event":"test_event","message_id":"message_id"}""";
        public const string LibrarySignature = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=";
        public const string LibraryTimestamp = "1588788367";
        public const string LibraryWrongSignature = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH3j/0=";
        public const string OtherKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA==";

        public const string BatchKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
        public const string BatchPayload = """[{"email":"hello@world.com","event":"dropped","reason":"Bounced Address","sg_event_id":"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA","sg_message_id":"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0","smtp-id":"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>","timestamp":1600112492}]""" + "\r\n";
        public const string BatchSignature = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=";
        public const string BatchTimestamp = "1600112502";
    }

    static SendGridWebhookVerifier Verifier(string key, DateTimeOffset now) =>
        new(new SendGridWebhookOptions { VerificationKey = key, TimestampTolerance = TimeSpan.FromMinutes(5) }, new FakeTimeProvider(now));

    static SendGridWebhookVerifier Verifier() => Verifier(Signing.SendGridVerificationKey, Now);

    static HeaderDictionary Headers(string signature, string timestamp) => new()
    {
        [SendGridWebhookVerifier.SignatureHeader] = signature,
        [SendGridWebhookVerifier.TimestampHeader] = timestamp,
    };

    static string Seconds(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    static HeaderDictionary Signed(byte[]? body = null, DateTimeOffset? at = null, ECDsa? key = null)
    {
        var timestamp = Seconds(at ?? Now);
        return Headers(Signing.SignSendGrid(timestamp, body ?? Body, key), timestamp);
    }

    static bool VerifyPublished(string key, string payload, string signature, string timestamp)
    {
        var signedAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(timestamp.All(char.IsAsciiDigit) ? timestamp : Published.LibraryTimestamp, CultureInfo.InvariantCulture));
        return Verifier(key, signedAt).Verify(Headers(signature, timestamp), Encoding.UTF8.GetBytes(payload)).IsValid;
    }

    [Theory]
    [InlineData(Published.LibraryKey, Published.LibraryPayload, Published.LibrarySignature, Published.LibraryTimestamp)]
    [InlineData(Published.BatchKey, Published.BatchPayload, Published.BatchSignature, Published.BatchTimestamp)]
    public void Should_pass_the_vectors_published_by_sendgrid_libraries(string key, string payload, string signature, string timestamp)
    {
        Assert.True(VerifyPublished(key, payload, signature, timestamp));
    }

    [Theory]
    [InlineData(Published.OtherKey, Published.LibraryPayload, Published.LibrarySignature, Published.LibraryTimestamp)]
    [InlineData(Published.LibraryKey, "payload", Published.LibrarySignature, Published.LibraryTimestamp)]
    [InlineData(Published.LibraryKey, Published.LibraryPayload, Published.LibraryWrongSignature, Published.LibraryTimestamp)]
    [InlineData(Published.LibraryKey, Published.LibraryPayload, "signature", Published.LibraryTimestamp)]
    [InlineData(Published.LibraryKey, Published.LibraryPayload, Published.LibrarySignature, "timestamp")]
    [InlineData(Published.BatchKey, Published.LibraryPayload, Published.BatchSignature, Published.BatchTimestamp)]
    [InlineData(Published.BatchKey, Published.BatchPayload, Published.BatchSignature, "1600112503")]
    public void Should_fail_the_altered_vectors_that_sendgrid_libraries_reject(string key, string payload, string signature, string timestamp)
    {
        Assert.False(VerifyPublished(key, payload, signature, timestamp));
    }

    [Fact]
    public void Should_fail_the_published_batch_without_its_trailing_newline()
    {
        Assert.False(VerifyPublished(Published.BatchKey, Published.BatchPayload.TrimEnd(), Published.BatchSignature, Published.BatchTimestamp));
    }

    [Fact]
    public void Should_pass_when_signed_with_the_configured_key()
    {
        Assert.True(Verifier().Verify(Signed(), Body).IsValid);
    }

    [Fact]
    public void Should_fail_when_the_body_was_tampered_with()
    {
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Body).Replace("open", "click", StringComparison.Ordinal));

        Assert.False(Verifier().Verify(Signed(), tampered).IsValid);
    }

    [Fact]
    public void Should_fail_when_signed_with_another_key()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.False(Verifier().Verify(Signed(key: other), Body).IsValid);
    }

    [Fact]
    public void Should_fail_when_the_signature_is_in_ieee_p1363_form_rather_than_der()
    {
        var timestamp = Seconds(Now);
        var p1363 = Signing.SendGridKey.SignData(Encoding.UTF8.GetBytes(timestamp).Concat(Body).ToArray(), HashAlgorithmName.SHA256);

        Assert.False(Verifier().Verify(Headers(Convert.ToBase64String(p1363), timestamp), Body).IsValid);
    }

    [Fact]
    public void Should_fail_when_the_timestamp_header_differs_from_the_signed_one()
    {
        var headers = Signed();
        headers[SendGridWebhookVerifier.TimestampHeader] = Seconds(Now.AddSeconds(1));

        Assert.False(Verifier().Verify(headers, Body).IsValid);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public void Should_fail_when_the_timestamp_is_outside_the_tolerance(int offsetSeconds)
    {
        var result = Verifier().Verify(Signed(at: Now.AddSeconds(offsetSeconds)), Body);

        Assert.False(result.IsValid);
        Assert.Contains("tolerance", result.Failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SendGridWebhookVerifier.SignatureHeader)]
    [InlineData(SendGridWebhookVerifier.TimestampHeader)]
    public void Should_fail_when_a_header_is_missing(string header)
    {
        var headers = Signed();
        headers.Remove(header);

        Assert.Contains("required", Verifier().Verify(headers, Body).Failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("MEUCIQ")]
    [InlineData("")]
    public void Should_fail_when_the_signature_is_not_base64_der(string signature)
    {
        Assert.False(Verifier().Verify(Headers(signature, Seconds(Now)), Body).IsValid);
    }

    [Fact]
    public void Should_fail_without_decoding_when_the_signature_header_is_oversized()
    {
        var result = Verifier().Verify(Headers(new string('A', 4096), Seconds(Now)), Body);

        Assert.Equal("A signature header is malformed.", result.Failure);
    }

    [Fact]
    public void Should_accept_the_key_with_pem_armour_and_line_breaks()
    {
        var pem = "-----BEGIN PUBLIC KEY-----\n" + Signing.SendGridVerificationKey[..40] + "\n" + Signing.SendGridVerificationKey[40..] + "\n-----END PUBLIC KEY-----\n";

        Assert.True(Verifier(pem, Now).Verify(Signed(), Body).IsValid);
    }

    [Fact]
    public void Should_refuse_keys_that_are_not_ecdsa_p256_public_keys()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);

        Assert.Null(SendGridWebhookVerifier.ParseVerificationKey(Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo())));
        Assert.Null(SendGridWebhookVerifier.ParseVerificationKey(Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())));
        Assert.Null(SendGridWebhookVerifier.ParseVerificationKey("not a key"));
        Assert.Null(SendGridWebhookVerifier.ParseVerificationKey(Convert.ToBase64String(Encoding.UTF8.GetBytes("0123456789"))));
        Assert.NotNull(SendGridWebhookVerifier.ParseVerificationKey(Published.LibraryKey));
    }

    [Fact]
    public void Should_verify_from_many_threads_at_once()
    {
        var verifier = Verifier();
        var headers = Signed();

        var results = Enumerable.Range(0, 64).AsParallel().WithDegreeOfParallelism(8).Select(_ => verifier.Verify(headers, Body).IsValid).ToList();

        Assert.All(results, Assert.True);
    }
}
