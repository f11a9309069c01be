using System.Text;
using Webhook.Contracts;
using Webhook.Providers.Parsing;

namespace Webhook.Tests.Providers.Parsing;

public class StandardEventParserTests
{
    static readonly DateTimeOffset ReceivedAt = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    static readonly WebhookDelivery Delivery = new("standard", "msg_1", ReceivedAt);

    static ParseResult Parse(string json, WebhookDelivery? delivery = null) =>
        new StandardEventParser().Parse(Encoding.UTF8.GetBytes(json), delivery ?? Delivery);

    [Fact]
    public void Should_parse_a_single_event_with_defaults()
    {
        var result = Parse("""{"emailId":"email-1001","eventType":"opened"}""");

        var e = Assert.Single(result.Events);
        Assert.Equal("email-1001", e.EmailId);
        Assert.Equal(EmailEventTypes.Opened, e.EventType);
        Assert.Equal(ReceivedAt, e.OccurredAt);
        Assert.Equal(ReceivedAt, e.ReceivedAt);
        Assert.Equal("standard", e.Provider);
    }

    [Fact]
    public void Should_parse_a_body_that_starts_with_a_byte_order_mark_and_refuse_a_second_mark()
    {
        const string json = """{"emailId":"email-1001","eventType":"Opened"}""";

        Assert.Equal("email-1001", Assert.Single(Parse("\uFEFF" + json).Events).EmailId);
        Assert.Contains("$", Parse("\uFEFF\uFEFF" + json).Errors.Keys);
    }

    [Fact]
    public void Should_parse_an_array_with_occurred_at_and_any_case()
    {
        var result = Parse("""
            [{"emailId":"a","eventType":"CLICKED","occurredAt":"2026-11-25T08:30:00+01:00","extra":{"x":1}},
             {"emailId":"b","eventType":"Spam"}]
            """);

        Assert.True(result.IsValid);
        Assert.Equal([EmailEventTypes.Clicked, EmailEventTypes.Spam], result.Events.Select(e => e.EventType));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 7, 30, 0, TimeSpan.Zero), result.Events[0].OccurredAt);
    }

    [Fact]
    public void Should_derive_the_same_ids_for_the_same_delivery_and_different_ones_per_position()
    {
        const string body = """[{"emailId":"a","eventType":"Opened"},{"emailId":"a","eventType":"Opened"}]""";

        var first = Parse(body).Events.Select(e => e.EventId).ToArray();
        var retry = Parse(body, Delivery with { ReceivedAt = ReceivedAt.AddHours(3) }).Events.Select(e => e.EventId).ToArray();
        var other = Parse(body, Delivery with { DeliveryId = "msg_2" }).Events.Select(e => e.EventId).ToArray();

        Assert.Equal(first, retry);
        Assert.NotEqual(first[0], first[1]);
        Assert.Empty(first.Intersect(other));
    }

    [Theory]
    [InlineData("not json", "$")]
    [InlineData("", "$")]
    [InlineData("42", "$")]
    [InlineData("[]", "$")]
    [InlineData("[1]", "$[0]")]
    [InlineData("""{"eventType":"Opened"}""", "$.emailId")]
    [InlineData("""{"emailId":"","eventType":"Opened"}""", "$.emailId")]
    [InlineData("""{"emailId":7,"eventType":"Opened"}""", "$.emailId")]
    [InlineData("""{"emailId":"a"}""", "$.eventType")]
    [InlineData("""{"emailId":"a","eventType":"Bounced"}""", "$.eventType")]
    [InlineData("""{"emailId":"a","eventType":"Opened","occurredAt":"yesterday"}""", "$.occurredAt")]
    public void Should_name_what_is_wrong_and_return_no_event(string json, string path)
    {
        var result = Parse(json);

        Assert.False(result.IsValid);
        Assert.Empty(result.Events);
        Assert.Contains(path, result.Errors.Keys);
    }

    [Fact]
    public void Should_return_the_valid_events_and_refuse_only_the_invalid_one_beside_them()
    {
        const string bad = """{"emailId":"b","eventType":"Nope"}""";
        var result = Parse($$"""[{"emailId":"a","eventType":"Opened"},{{bad}},{"emailId":"c","eventType":"Clicked"}]""");

        Assert.Equal(["a", "c"], result.Events.Select(e => e.EmailId));
        var refused = Assert.Single(result.Refused);
        Assert.Equal("$[1]", refused.Path);
        Assert.Equal(bad, refused.Raw);
        Assert.Equal(["$[1].eventType"], refused.Errors.Keys);
    }

    [Theory]
    [InlineData("email\\u0000b")]
    [InlineData("email\\u001b]52;c;ZWNobyBoaQ==\\u0007")]
    [InlineData("email\\u202eevil")]
    [InlineData("email\\u200b")]
    [InlineData("email\\u2028x")]
    [InlineData("email\\ud800")]
    [InlineData("   ")]
    public void Should_refuse_an_email_id_that_is_not_printable(string escaped)
    {
        var result = Parse($$"""{"emailId":"{{escaped}}","eventType":"Opened"}""");

        // The event is refused, naming the field, or, for an escape that is not even UTF-16, the event itself.
        Assert.Empty(result.Events);
        var (field, reasons) = Assert.Single(result.Errors);
        Assert.Contains(field, new[] { "$.emailId", "$" });
        Assert.Matches("printable|not valid Unicode", Assert.Single(reasons));
    }

    [Fact]
    public void Should_accept_an_email_id_of_letters_beyond_ascii()
    {
        var result = Parse("""{"emailId":"courriel-été-😀","eventType":"Opened"}""");

        Assert.Equal("courriel-été-😀", Assert.Single(result.Events).EmailId);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("2026-10-01T00:00:00Z")]
    [InlineData("2026-11-26T14:00:00Z")]
    public void Should_refuse_an_occurred_at_far_from_its_receipt(string occurredAt)
    {
        var result = Parse($$"""{"emailId":"a","eventType":"Opened","occurredAt":"{{occurredAt}}"}""");

        Assert.Empty(result.Events);
        Assert.Contains("$.occurredAt", result.Errors.Keys);
    }

    [Fact]
    public void Should_refuse_a_body_that_is_not_utf8_without_throwing()
    {
        var body = Encoding.UTF8.GetBytes("""{"emailId":"email-1001","eventType":"Opened"}""");
        body[12] = 0xFF;

        var result = new StandardEventParser().Parse(body, Delivery);

        Assert.Contains("$", result.Errors.Keys);
    }

    [Fact]
    public void Should_refuse_deep_nesting()
    {
        var deep = """{"emailId":"a","eventType":"Opened","x":""" + new string('[', 100) + new string(']', 100) + "}";

        Assert.False(Parse(deep).IsValid);
    }

    [Fact]
    public void Should_refuse_more_events_than_the_limit()
    {
        var many = "[" + string.Join(",", Enumerable.Repeat("""{"emailId":"a","eventType":"Opened"}""", StandardEventParser.MaxEventsPerRequest + 1)) + "]";

        Assert.False(Parse(many).IsValid);
    }
}
