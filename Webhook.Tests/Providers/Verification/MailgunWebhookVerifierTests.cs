using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Webhook.Providers.Verification;
using Webhook.Testing;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Providers.Verification;

public class MailgunWebhookVerifierTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    const string EventData = """{"event":"opened","id":"ev-1","timestamp":1795694400.5}""";

    /// <summary>The published vector of mailgun/mailgun-php tests/Api/WebhookTest.php (testVerifyWebhookGood and testVerifyWebhookBad).</summary>
    const string PublishedKey = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
    const long PublishedTimestamp = 1403645220;
    const string PublishedToken = "5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6";
    const string PublishedOtherToken = "owyldpe6nxhmrn78epljl6bj0orrki1u3d2v5e6cnlmmuox8jr";
    const string PublishedSignature = "9cfc5c41582e51246e73c88d34db3af0a3a2692a76fbab81492842f000256d33";

    static readonly HeaderDictionary NoHeaders = [];

    static MailgunWebhookVerifier Verifier(FakeTimeProvider? time = null, string key = Signing.MailgunSigningKey) =>
        new(new MailgunWebhookOptions { SigningKey = key, TimestampTolerance = TimeSpan.FromMinutes(5) }, time ?? new FakeTimeProvider(Now));

    static byte[] Body(string json) => Encoding.UTF8.GetBytes(json);

    static string SignatureBlock(long timestamp, string token, string signature) =>
        $$"""{"timestamp":"{{timestamp.ToString(CultureInfo.InvariantCulture)}}","token":"{{token}}","signature":"{{signature}}"}""";

    [Fact]
    public void Should_pass_the_vector_published_by_mailgun_php()
    {
        var verifier = Verifier(new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(PublishedTimestamp)), PublishedKey);
        var body = Body($$"""{"signature":{{SignatureBlock(PublishedTimestamp, PublishedToken, PublishedSignature)}},"event-data":{{EventData}}}""");

        var result = verifier.Verify(NoHeaders, body);

        Assert.True(result.IsValid, result.Failure);
        Assert.Equal(PublishedToken, result.DeliveryId);
    }

    [Fact]
    public void Should_fail_the_published_signature_with_another_token()
    {
        var verifier = Verifier(new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(PublishedTimestamp)), PublishedKey);
        var body = Body($$"""{"signature":{{SignatureBlock(PublishedTimestamp, PublishedOtherToken, PublishedSignature)}},"event-data":{{EventData}}}""");

        Assert.Equal("The signature does not match.", verifier.Verify(NoHeaders, body).Failure);
    }

    [Fact]
    public void Should_pass_when_signed_with_the_configured_key()
    {
        Assert.True(Verifier().Verify(NoHeaders, Body(Signing.MailgunBody(EventData, Now))).IsValid);
    }

    [Fact]
    public void Should_fail_when_signed_with_another_key()
    {
        var body = Body(Signing.MailgunBody(EventData, Now, key: "another-signing-key-of-some-length"));

        Assert.Equal("The signature does not match.", Verifier().Verify(NoHeaders, body).Failure);
    }

    [Fact]
    public void Should_name_the_token_as_single_use_until_the_signed_timestamp_is_past_the_tolerance()
    {
        // The signature covers the timestamp and the token, not the events: the intake claims the token in the
        // store every replica shares (ISingleUseTokens), and it need be remembered only while the timestamp passes.
        var signedAt = Now.AddSeconds(-30);
        var result = Verifier().Verify(NoHeaders, Body(Signing.MailgunBody(EventData, signedAt, token: "token-once")));

        Assert.True(result.IsValid, result.Failure);
        Assert.Equal(new SingleUseToken("token-once", DateTimeOffset.FromUnixTimeSeconds(signedAt.ToUnixTimeSeconds()) + TimeSpan.FromMinutes(5)), result.SingleUse);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public void Should_fail_when_the_timestamp_is_outside_the_tolerance(int offsetSeconds)
    {
        var result = Verifier().Verify(NoHeaders, Body(Signing.MailgunBody(EventData, Now.AddSeconds(offsetSeconds))));

        Assert.Contains("tolerance", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_find_the_signature_after_the_event_data()
    {
        var timestamp = Now.ToUnixTimeSeconds();
        var block = SignatureBlock(timestamp, "token-last", Signing.SignMailgun(timestamp.ToString(CultureInfo.InvariantCulture), "token-last"));

        Assert.True(Verifier().Verify(NoHeaders, Body($$"""{"event-data":{{EventData}},"extra":[1,[2,{"a":3}]],"signature":{{block}}}""")).IsValid);
    }

    [Fact]
    public void Should_find_the_signature_in_a_body_that_starts_with_a_byte_order_mark()
    {
        Assert.True(Verifier().Verify(NoHeaders, Body("\uFEFF" + Signing.MailgunBody(EventData, Now))).IsValid);
    }

    [Fact]
    public void Should_fail_when_the_signature_is_in_uppercase_hex()
    {
        var timestamp = Now.ToUnixTimeSeconds();
        var upper = Signing.SignMailgun(timestamp.ToString(CultureInfo.InvariantCulture), "token-upper").ToUpperInvariant();

        var result = Verifier().Verify(NoHeaders, Body($$"""{"signature":{{SignatureBlock(timestamp, "token-upper", upper)}},"event-data":{{EventData}}}"""));

        Assert.Contains("lowercase hexadecimal", result.Failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"event-data":{}}""")]
    [InlineData("""{"signature":"abc"}""")]
    [InlineData("""{"signature":{"timestamp":1795694400,"token":"t","signature":"s"}}""")]
    [InlineData("""{"signature":{"token":"t","signature":"s"}}""")]
    [InlineData("""{"signature":{"timestamp":"1795694400","token":"t","signature":"zz"}}""")]
    [InlineData("""{"signature":{"timestamp":"1795694400","token":"t","signature":"s"}""")]
    [InlineData("""{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],"signature":{}}""")]
    public void Should_fail_without_throwing_when_the_body_holds_no_usable_signature(string body)
    {
        Assert.False(Verifier().Verify(NoHeaders, Body(body)).IsValid);
    }

    [Fact]
    public void Should_fail_when_the_body_is_not_utf8()
    {
        var body = Body(Signing.MailgunBody(EventData, Now, token: "token-latin1"));
        var start = Array.IndexOf(body, (byte)'t', Encoding.UTF8.GetString(body).IndexOf("token-latin1", StringComparison.Ordinal));
        body[start + 1] = 0xFF;

        Assert.False(Verifier().Verify(NoHeaders, body).IsValid);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("key with spaces in the middle")]
    [InlineData(" key-3ax6xnjp29jd6fds4gc373sgvjxteol0")]
    public void Should_not_take_a_malformed_signing_key(string key)
    {
        Assert.False(MailgunWebhookVerifier.IsSigningKey(key));
    }
}
