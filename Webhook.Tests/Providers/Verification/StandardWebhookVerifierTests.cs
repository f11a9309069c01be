using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Webhook.Providers.Verification;
using Webhook.Testing;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Providers.Verification;

public class StandardWebhookVerifierTests
{
    const string OtherSecret = "whsec_b3RoZXItc2VjcmV0LW5vdC10aGUtY29uZmlndXJlZC1vbmU=";
    static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"emailId":"email-1001","eventType":"Opened"}""");

    static StandardWebhookVerifier Verifier(string? secret = Signing.TestSecret, string? previous = null) =>
        new(new StandardWebhookOptions { Secret = secret, PreviousSecret = previous, TimestampTolerance = TimeSpan.FromMinutes(5) }, new FakeTimeProvider(Now));

    static HeaderDictionary Headers(string id, DateTimeOffset at, string signature) => new()
    {
        ["webhook-id"] = id,
        ["webhook-timestamp"] = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        ["webhook-signature"] = signature,
    };

    static HeaderDictionary SignedHeaders(string secret = Signing.TestSecret, DateTimeOffset? at = null, byte[]? body = null)
    {
        var when = at ?? Now;
        return Headers("msg_1", when, Signing.Sign(secret, "msg_1", when.ToUnixTimeSeconds(), body ?? Body));
    }

    [Fact]
    public void Should_pass_when_the_signature_matches()
    {
        var result = Verifier().Verify(SignedHeaders(), Body);

        Assert.True(result.IsValid, result.Failure);
        Assert.Equal("msg_1", result.DeliveryId);
    }

    [Fact]
    public void Should_fail_when_the_body_was_tampered_with()
    {
        var tampered = Encoding.UTF8.GetBytes("""{"emailId":"email-1002","eventType":"Opened"}""");

        Assert.False(Verifier().Verify(SignedHeaders(), tampered).IsValid);
    }

    [Fact]
    public void Should_fail_when_signed_with_another_secret()
    {
        Assert.False(Verifier().Verify(SignedHeaders(OtherSecret), Body).IsValid);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    [InlineData(-86_400)]
    public void Should_fail_when_the_timestamp_is_outside_the_tolerance(int offsetSeconds)
    {
        var result = Verifier().Verify(SignedHeaders(at: Now.AddSeconds(offsetSeconds)), Body);

        Assert.False(result.IsValid);
        Assert.Contains("tolerance", result.Failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-299)]
    [InlineData(299)]
    public void Should_pass_when_the_timestamp_is_inside_the_tolerance(int offsetSeconds)
    {
        Assert.True(Verifier().Verify(SignedHeaders(at: Now.AddSeconds(offsetSeconds)), Body).IsValid);
    }

    [Theory]
    [InlineData("webhook-id")]
    [InlineData("webhook-timestamp")]
    [InlineData("webhook-signature")]
    public void Should_fail_when_a_header_is_missing(string header)
    {
        var headers = SignedHeaders();
        headers.Remove(header);

        var result = Verifier().Verify(headers, Body);

        Assert.False(result.IsValid);
        Assert.Contains("required", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_pass_when_any_of_several_signatures_matches()
    {
        var valid = Signing.Sign(Signing.TestSecret, "msg_1", Now.ToUnixTimeSeconds(), Body);
        var wrong = Signing.Sign(OtherSecret, "msg_1", Now.ToUnixTimeSeconds(), Body);

        var result = Verifier().Verify(Headers("msg_1", Now, $"v1a,xyz {wrong} v1,!!notbase64!! {valid}"), Body);

        Assert.True(result.IsValid, result.Failure);
    }

    [Fact]
    public void Should_fail_when_no_entry_of_several_matches()
    {
        var wrong = Signing.Sign(OtherSecret, "msg_1", Now.ToUnixTimeSeconds(), Body);

        Assert.False(Verifier().Verify(Headers("msg_1", Now, $"{wrong} {wrong} v2,{wrong[3..]}"), Body).IsValid);
    }

    [Fact]
    public void Should_fail_when_a_valid_signature_has_another_version_prefix()
    {
        var valid = Signing.Sign(Signing.TestSecret, "msg_1", Now.ToUnixTimeSeconds(), Body);

        Assert.False(Verifier().Verify(Headers("msg_1", Now, "v1a," + valid[3..]), Body).IsValid);
    }

    [Fact]
    public void Should_fail_when_the_signed_id_differs_from_the_header()
    {
        var signature = Signing.Sign(Signing.TestSecret, "msg_2", Now.ToUnixTimeSeconds(), Body);

        Assert.False(Verifier().Verify(Headers("msg_1", Now, signature), Body).IsValid);
    }

    /// <summary>Ids a signed request may carry that the product refuses: control and format characters, blanks, 257 characters.</summary>
    public static TheoryData<string> UnusableIds => ["a\u0001b", "msg_\u001b]52;c;aGk=\u0007", "msg_\u202e1", "   ", new string('x', 257)];

    [Theory]
    [MemberData(nameof(UnusableIds))]
    public void Should_fail_naming_the_header_when_a_signed_id_is_not_printable_or_too_long(string id)
    {
        var signature = Signing.Sign(Signing.TestSecret, id, Now.ToUnixTimeSeconds(), Body);

        var result = Verifier().Verify(Headers(id, Now, signature), Body);

        Assert.False(result.IsValid);
        Assert.StartsWith("The webhook-id header must be 1 to 256 printable characters", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_fail_naming_the_header_when_the_signature_header_is_too_long()
    {
        var valid = Signing.Sign(Signing.TestSecret, "msg_1", Now.ToUnixTimeSeconds(), Body);

        var result = Verifier().Verify(Headers("msg_1", Now, string.Join(' ', Enumerable.Repeat("v1,AAAA", 600)) + " " + valid), Body);

        Assert.Equal("The webhook-signature header is longer than 4096 characters.", result.Failure);
    }

    [Theory]
    [InlineData("not-a-number")]
    [InlineData("1.5")]
    [InlineData("-5")]
    [InlineData("99999999999999999999")]
    public void Should_fail_when_the_timestamp_is_not_unix_seconds(string timestamp)
    {
        var headers = SignedHeaders();
        headers["webhook-timestamp"] = timestamp;

        Assert.False(Verifier().Verify(headers, Body).IsValid);
    }

    [Fact]
    public void Should_pass_with_the_previous_secret_while_a_rotation_is_under_way()
    {
        var verifier = Verifier(secret: OtherSecret, previous: Signing.TestSecret);

        Assert.True(verifier.Verify(SignedHeaders(Signing.TestSecret), Body).IsValid);
        Assert.True(verifier.Verify(SignedHeaders(OtherSecret), Body).IsValid);
    }

    [Fact]
    public void Should_not_be_configured_when_no_secret_is_set()
    {
        var verifier = Verifier(secret: null);

        Assert.False(verifier.IsConfigured);
        Assert.False(verifier.Verify(SignedHeaders(), Body).IsValid);
    }

    [Theory]
    [InlineData("whsec_")]
    [InlineData("whsec_%%%")]
    [InlineData("")]
    public void Should_refuse_a_secret_that_is_not_base64(string secret)
    {
        Assert.Null(StandardWebhookVerifier.ParseSecret(secret));
    }
}
