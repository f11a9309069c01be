using System.Text;
using Webhook.Contracts;
using Webhook.Providers.Parsing;

namespace Webhook.Tests.Providers.Parsing;

public class MailgunEventParserTests
{
    // A minute after the last of Mailgun's documented samples: an event's time must be close to its receipt.
    static readonly DateTimeOffset ReceivedAt = DateTimeOffset.FromUnixTimeSeconds(1377214260 + 60);
    static readonly WebhookDelivery Delivery = new("mailgun", "token", ReceivedAt);

    // Mailgun's documented event-data examples, from its Events API reference (mailgun/documentation
    // source/api-events.rst, "Opened", "Clicked", "Complained"), whose webhooks carry the same event-data
    // (source/user_manual.rst, "Webhooks", "Payload"). The documented examples end objects with a trailing comma,
    // which is not JSON; it is left out here.
    public const string DocumentedOpened = """
        {
          "event": "opened",
          "id": "-laxIqj9QWubsjY_3pTq_g",
          "timestamp": 1377047343.042277,
          "log-level": "info",
          "recipient": "recipient@example.com",
          "geolocation": {"country": "US", "region": "Texas", "city": "Austin"},
          "tags": [],
          "campaigns": [],
          "user-variables": {},
          "ip": "111.111.111.111",
          "client-info": {
            "client-type": "mobile browser",
            "client-os": "iOS",
            "device-type": "mobile",
            "client-name": "Mobile Safari",
            "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 6_1 like Mac OS X) AppleWebKit/536.26 (KHTML, like Gecko) Mobile/10B143",
            "bot": ""
          },
          "message": {"headers": {"message-id": "20130821005614.19826.35976@samples.mailgun.org"}}
        }
        """;

    public const string DocumentedClicked = """
        {
          "event": "clicked",
          "id": "G5zMz2ysS6OxZ2C8xb2Tqg",
          "timestamp": 1377075564.094891,
          "log-level": "info",
          "recipient": "recipient@example.com",
          "geolocation": {"country": "US", "region": "TX", "city": "Austin"},
          "tags": [],
          "url": "http://example.com/signup",
          "ip": "123.123.123.321",
          "campaigns": [],
          "user-variables": {},
          "client-info": {
            "client-type": "browser",
            "client-os": "Linux",
            "device-type": "desktop",
            "client-name": "Chromium",
            "user-agent": "Mozilla/5.0 (X11; Linux i686) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/28.0.1500.71 Chrome/28.0.1500.71 Safari/537.36",
            "bot": ""
          },
          "message": {"headers": {"message-id": "20130821085807.30688.67706@samples.mailgun.org"}}
        }
        """;

    public const string DocumentedComplained = """
        {
          "event": "complained",
          "id": "ncV2XwymRUKbPek_MIM-Gw",
          "timestamp": 1377214260.049634,
          "log-level": "warn",
          "recipient": "foo@example.com",
          "tags": [],
          "campaigns": [],
          "user-variables": {},
          "flags": {"is-test-mode": false},
          "message": {
            "headers": {
              "to": "foo@example.com",
              "message-id": "20130718032413.263EE2E0926@example.com",
              "from": "John Doe <sender@example.com>",
              "subject": "This is the subject."
            },
            "attachments": [],
            "size": 18937
          }
        }
        """;

    // The documented webhook signature block (user_manual.rst, "Payload"); the parser ignores it.
    const string DocumentedSignature = """{"timestamp":"1529006854","token":"a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0","signature":"d2271d12299f6592d9d44cd9d250f0704e4674c30d79d07c47a66f95ce71cf55"}""";

    static string Webhook(string eventData) => $$"""{"signature":{{DocumentedSignature}},"event-data":{{eventData}}}""";

    static ParseResult Parse(string json) => new MailgunEventParser().Parse(Encoding.UTF8.GetBytes(json), Delivery);

    static EmailEventReceived Single(string json)
    {
        var result = Parse(json);
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => $"{e.Key}: {string.Join(' ', e.Value)}")));
        return Assert.Single(result.Events);
    }

    [Theory]
    [InlineData(DocumentedOpened, EmailEventTypes.Opened, "20130821005614.19826.35976@samples.mailgun.org", 1377047343.042277)]
    [InlineData(DocumentedClicked, EmailEventTypes.Clicked, "20130821085807.30688.67706@samples.mailgun.org", 1377075564.094891)]
    [InlineData(DocumentedComplained, EmailEventTypes.Spam, "20130718032413.263EE2E0926@example.com", 1377214260.049634)]
    public void Should_map_the_documented_samples(string eventData, string type, string emailId, double seconds)
    {
        var e = Single(Webhook(eventData));

        Assert.Equal(type, e.EventType);
        Assert.Equal(emailId, e.EmailId);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond)), e.OccurredAt);
        Assert.Equal("mailgun", e.Provider);
        Assert.Equal(ReceivedAt, e.ReceivedAt);
    }

    [Fact]
    public void Should_take_the_email_id_user_variable_over_the_message_id()
    {
        var withVariable = DocumentedOpened.Replace("\"user-variables\": {}", "\"user-variables\": {\"email_id\": \"email-1001\", \"other\": \"x\"}", StringComparison.Ordinal);

        Assert.Equal("email-1001", Single(Webhook(withVariable)).EmailId);
    }

    [Fact]
    public void Should_derive_the_event_id_from_mailguns_event_id_alone()
    {
        var original = Single(Webhook(DocumentedOpened)).EventId;
        var resigned = Single($$"""{"signature":{"timestamp":"1","token":"t","signature":"s"},"event-data":{{DocumentedOpened}}}""").EventId;
        var other = Single(Webhook(DocumentedOpened.Replace("-laxIqj9QWubsjY_3pTq_g", "another-id", StringComparison.Ordinal))).EventId;

        Assert.Equal(original, resigned);
        Assert.NotEqual(original, other);
    }

    [Fact]
    public void Should_pass_other_event_types_through_under_their_own_name()
    {
        Assert.Equal("delivered", Single(Webhook(DocumentedOpened.Replace("\"opened\"", "\"delivered\"", StringComparison.Ordinal))).EventType);
        Assert.Equal("list_member_uploaded", Single(Webhook(DocumentedOpened.Replace("\"opened\"", "\"list_member_uploaded\"", StringComparison.Ordinal))).EventType);
    }

    [Theory]
    [InlineData("not json", "$")]
    [InlineData("[]", "$.event-data")]
    [InlineData("""{"signature":{}}""", "$.event-data")]
    [InlineData("""{"event-data":[]}""", "$.event-data")]
    [InlineData("""{"event-data":{"id":"e","timestamp":1,"message":{"headers":{"message-id":"m"}}}}""", "$.event-data.event")]
    [InlineData("""{"event-data":{"event":"Opened","id":"e","timestamp":1,"message":{"headers":{"message-id":"m"}}}}""", "$.event-data.event")]
    [InlineData("""{"event-data":{"event":"opened","timestamp":1,"message":{"headers":{"message-id":"m"}}}}""", "$.event-data.id")]
    [InlineData("""{"event-data":{"event":"opened","id":"  ","timestamp":1,"message":{"headers":{"message-id":"m"}}}}""", "$.event-data.id")]
    [InlineData("""{"event-data":{"event":"opened","id":"e","message":{"headers":{"message-id":"m"}}}}""", "$.event-data.timestamp")]
    [InlineData("""{"event-data":{"event":"opened","id":"e","timestamp":"1","message":{"headers":{"message-id":"m"}}}}""", "$.event-data.timestamp")]
    [InlineData("""{"event-data":{"event":"opened","id":"e","timestamp":1e300,"message":{"headers":{"message-id":"m"}}}}""", "$.event-data.timestamp")]
    [InlineData("""{"event-data":{"event":"opened","id":"e","timestamp":1}}""", "$.event-data.message.headers.message-id")]
    [InlineData("""{"event-data":{"event":"opened","id":"e","timestamp":1,"user-variables":{"email_id":""}}}""", "$.event-data.user-variables.email_id")]
    [InlineData("""{"event-data":{"event":"opened","id":"e","timestamp":1,"user-variables":{"email_id":{"a":1}}}}""", "$.event-data.user-variables.email_id")]
    public void Should_name_what_is_wrong_and_return_no_event(string json, string path)
    {
        var result = Parse(json);

        Assert.False(result.IsValid);
        Assert.Empty(result.Events);
        Assert.Contains(path, result.Errors.Keys);
    }

    [Fact]
    public void Should_refuse_event_data_given_twice()
    {
        Assert.False(Parse($$"""{"event-data":{{DocumentedOpened}},"event-data":{{DocumentedClicked}}}""").IsValid);
    }
}
