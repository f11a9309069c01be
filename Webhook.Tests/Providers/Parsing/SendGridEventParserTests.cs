using System.Text;
using Webhook.Contracts;
using Webhook.Providers.Parsing;

namespace Webhook.Tests.Providers.Parsing;

public class SendGridEventParserTests
{
    // A minute after SendGrid's documented sample was sent: an event's time must be close to its receipt.
    static readonly DateTimeOffset ReceivedAt = DateTimeOffset.FromUnixTimeSeconds(1513299569 + 60);
    static readonly WebhookDelivery Delivery = new("sendgrid", null, ReceivedAt);

    /// <summary>
    /// SendGrid's documented example of every event type, from the Event Webhook Reference
    /// (sendgrid/docs content/docs/for-developers/tracking-events/event.md, "an event response that includes an
    /// example of each type of event").
    /// </summary>
    public const string DocumentedSample = """
        [
           {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"processed","category":"cat facts","sg_event_id":"sg_event_id","sg_message_id":"sg_message_id"},
           {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"deferred","category":"cat facts","sg_event_id":"sg_event_id","sg_message_id":"sg_message_id","response":"400 try again later","attempt":"5"},
           {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"delivered","category":"cat facts","sg_event_id":"sg_event_id","sg_message_id":"sg_message_id","response":"250 OK"},
           {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"open","category":"cat facts","sg_event_id":"sg_event_id","sg_message_id":"sg_message_id","useragent":"Mozilla/4.0 (compatible; MSIE 6.1; Windows XP; .NET CLR 1.1.4322; .NET CLR 2.0.50727)","ip":"255.255.255.255"},
           {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"click","category":"cat facts","sg_event_id":"sg_event_id","sg_message_id":"sg_message_id","useragent":"Mozilla/4.0 (compatible; MSIE 6.1; Windows XP; .NET CLR 1.1.4322; .NET CLR 2.0.50727)","ip":"255.255.255.255","url":"http://www.sendgrid.com/"},
           {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"bounce","category":"cat facts","sg_event_id":"sg_event_id","sg_message_id":"sg_message_id","reason":"500 unknown recipient","status":"5.0.0"},
           {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"dropped","category":"cat facts","sg_event_id":"sg_event_id","sg_message_id":"sg_message_id","reason":"Bounced Address","status":"5.0.0"},
           {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"spamreport","category":"cat facts","sg_event_id":"sg_event_id","sg_message_id":"sg_message_id"},
           {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"unsubscribe","category":"cat facts","sg_event_id":"sg_event_id","sg_message_id":"sg_message_id"},
           {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"group_unsubscribe","category":"cat facts","sg_event_id":"sg_event_id","sg_message_id":"sg_message_id","useragent":"Mozilla/4.0 (compatible; MSIE 6.1; Windows XP; .NET CLR 1.1.4322; .NET CLR 2.0.50727)","ip":"255.255.255.255","url":"http://www.sendgrid.com/","asm_group_id":10},
           {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"group_resubscribe","category":"cat facts","sg_event_id":"sg_event_id","sg_message_id":"sg_message_id","useragent":"Mozilla/4.0 (compatible; MSIE 6.1; Windows XP; .NET CLR 1.1.4322; .NET CLR 2.0.50727)","ip":"000.000.000.000","url":"http://www.sendgrid.com/","asm_group_id":10}
        ]
        """;

    /// <summary>The documented "click" example of the same page, with a real-looking sg_message_id.</summary>
    const string DocumentedClick = """
        [{"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"click","category":"cat facts","sg_event_id":"kCAi1KttyQdEKHhdC-nuEA==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","useragent":"Mozilla/4.0 (compatible; MSIE 6.1; Windows XP; .NET CLR 1.1.4322; .NET CLR 2.0.50727)","ip":"255.255.255.255","url":"http://www.sendgrid.com/"}]
        """;

    static ParseResult Parse(string json) => new SendGridEventParser().Parse(Encoding.UTF8.GetBytes(json), Delivery);

    static EmailEventReceived Single(string json)
    {
        var result = Parse(json);
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => $"{e.Key}: {string.Join(' ', e.Value)}")));
        return Assert.Single(result.Events);
    }

    [Fact]
    public void Should_map_the_documented_sample_onto_every_type()
    {
        var result = Parse(DocumentedSample);

        Assert.True(result.IsValid);
        Assert.Equal(
            ["processed", "deferred", "delivered", EmailEventTypes.Opened, EmailEventTypes.Clicked, "bounce", "dropped", EmailEventTypes.Spam,
             "unsubscribe", "group_unsubscribe", "group_resubscribe"],
            result.Events.Select(e => e.EventType));
        Assert.All(result.Events, e =>
        {
            Assert.Equal("sg_message_id", e.EmailId);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1513299569), e.OccurredAt);
            Assert.Equal(ReceivedAt, e.ReceivedAt);
            Assert.Equal("sendgrid", e.Provider);
        });
        Assert.Equal(result.Events.Count, result.Events.Select(e => e.EventId).Distinct().Count());
    }

    [Fact]
    public void Should_take_the_email_id_custom_argument_over_the_message_id()
    {
        var e = Single(DocumentedClick.Replace("\"event\":\"click\"", "\"event\":\"click\",\"email_id\":\"email-1001\"", StringComparison.Ordinal));

        Assert.Equal("email-1001", e.EmailId);
        Assert.Equal(EmailEventTypes.Clicked, e.EventType);
    }

    [Fact]
    public void Should_give_a_retried_event_the_same_id_even_when_sendgrid_changed_or_dropped_its_sg_event_id()
    {
        var first = Single(DocumentedClick).EventId;
        var changed = Single(DocumentedClick.Replace("kCAi1KttyQdEKHhdC-nuEA==", "another-event-id", StringComparison.Ordinal)).EventId;
        var dropped = Single(DocumentedClick.Replace("\"sg_event_id\":\"kCAi1KttyQdEKHhdC-nuEA==\",", "", StringComparison.Ordinal)).EventId;
        var inAnotherBatch = Parse($"[{DocumentedSample.Trim()[1..^1]},{DocumentedClick.Trim()[1..^1]}]").Events[^1].EventId;

        Assert.Equal(first, changed);
        Assert.Equal(first, dropped);
        Assert.Equal(first, inAnotherBatch);
    }

    [Theory]
    [InlineData("\"url\":\"http://www.sendgrid.com/\"", "\"url\":\"http://www.sendgrid.com/other\"")]
    [InlineData("\"timestamp\":1513299569", "\"timestamp\":1513299570")]
    [InlineData("\"email\":\"example@test.com\"", "\"email\":\"other@test.com\"")]
    [InlineData(".5515E0B88.0\"", ".5515E0B88.1\"")]
    [InlineData("\"event\":\"click\"", "\"event\":\"open\"")]
    public void Should_give_events_that_differ_in_content_different_ids(string from, string to)
    {
        Assert.NotEqual(Single(DocumentedClick).EventId, Single(DocumentedClick.Replace(from, to, StringComparison.Ordinal)).EventId);
    }

    [Fact]
    public void Should_pass_a_new_event_type_through_under_its_own_name()
    {
        Assert.Equal("machine_open_2", Single(DocumentedClick.Replace("\"event\":\"click\"", "\"event\":\"machine_open_2\"", StringComparison.Ordinal)).EventType);
    }

    [Theory]
    [InlineData("not json", "$")]
    [InlineData("", "$")]
    [InlineData("""{"event":"open"}""", "$")]
    [InlineData("[]", "$")]
    [InlineData("[1]", "$[0]")]
    [InlineData("""[{"timestamp":1513299569,"sg_message_id":"m"}]""", "$[0].event")]
    [InlineData("""[{"event":"Opened","timestamp":1513299569,"sg_message_id":"m"}]""", "$[0].event")]
    [InlineData("""[{"event":"open\n","timestamp":1513299569,"sg_message_id":"m"}]""", "$[0].event")]
    [InlineData("""[{"event":"ab'c","timestamp":1513299569,"sg_message_id":"m"}]""", "$[0].event")]
    [InlineData("""[{"event":7,"timestamp":1513299569,"sg_message_id":"m"}]""", "$[0].event")]
    [InlineData("""[{"event":"open","sg_message_id":"m"}]""", "$[0].timestamp")]
    [InlineData("""[{"event":"open","timestamp":"1513299569","sg_message_id":"m"}]""", "$[0].timestamp")]
    [InlineData("""[{"event":"open","timestamp":1.5,"sg_message_id":"m"}]""", "$[0].timestamp")]
    [InlineData("""[{"event":"open","timestamp":-1,"sg_message_id":"m"}]""", "$[0].timestamp")]
    [InlineData("""[{"event":"open","timestamp":1e400,"sg_message_id":"m"}]""", "$[0].timestamp")]
    [InlineData("""[{"event":"open","timestamp":99999999999999999999999,"sg_message_id":"m"}]""", "$[0].timestamp")]
    [InlineData("""[{"event":"open","timestamp":1513299569}]""", "$[0].sg_message_id")]
    [InlineData("""[{"event":"open","timestamp":1513299569,"sg_message_id":""}]""", "$[0].sg_message_id")]
    [InlineData("""[{"event":"open","timestamp":1513299569,"sg_message_id":"m","email_id":42}]""", "$[0].email_id")]
    [InlineData("""[{"event":"open","timestamp":1513299569,"sg_message_id":"m\u0000"}]""", "$[0].sg_message_id")]
    [InlineData("""[{"event":"open","timestamp":1513299569,"sg_message_id":"m","email_id":"e\u001b[2J"}]""", "$[0].email_id")]
    [InlineData("""[{"event":"open","timestamp":1,"sg_message_id":"m"}]""", "$[0].timestamp")]
    public void Should_name_what_is_wrong_and_return_no_event(string json, string path)
    {
        var result = Parse(json);

        Assert.False(result.IsValid);
        Assert.Empty(result.Events);
        Assert.Contains(path, result.Errors.Keys);
    }

    [Fact]
    public void Should_return_the_valid_events_of_a_batch_and_refuse_only_the_invalid_ones()
    {
        // One without either id, one with an email_id of 300 characters: the two events around them are accepted.
        var longId = new string('x', 300);
        var result = Parse($$"""
            [{"event":"open","timestamp":1513299569,"sg_message_id":"m-1"},{"event":"open","timestamp":1513299569},
             {"event":"click","timestamp":1513299569,"sg_message_id":"m-2","email_id":"{{longId}}"},{"event":"click","timestamp":1513299569,"sg_message_id":"m-3"}]
            """);

        Assert.Equal(["m-1", "m-3"], result.Events.Select(e => e.EmailId));
        Assert.Equal(["$[1]", "$[2]"], result.Refused.Select(r => r.Path));
        Assert.Contains("$[1].sg_message_id", result.Refused[0].Errors.Keys);
        Assert.Contains("$[2].email_id", result.Refused[1].Errors.Keys);
        Assert.Contains(longId, result.Refused[1].Raw, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_an_event_with_a_property_given_twice()
    {
        Assert.False(Parse("""[{"event":"open","event":"spamreport","timestamp":1513299569,"sg_message_id":"m"}]""").IsValid);
    }

    [Fact]
    public void Should_refuse_an_email_id_longer_than_the_processor_stores()
    {
        var result = Parse($$"""[{"event":"open","timestamp":1513299569,"sg_message_id":"{{new string('m', ProviderPayload.MaxIdLength + 1)}}"}]""");

        Assert.Contains("$[0].sg_message_id", result.Errors.Keys);
    }

    [Fact]
    public void Should_refuse_more_events_than_the_limit()
    {
        var one = """{"event":"open","timestamp":1513299569,"sg_message_id":"m"}""";
        var many = "[" + string.Join(",", Enumerable.Repeat(one, SendGridEventParser.MaxEventsPerRequest + 1)) + "]";

        Assert.Contains("$", Parse(many).Errors.Keys);
    }
}
