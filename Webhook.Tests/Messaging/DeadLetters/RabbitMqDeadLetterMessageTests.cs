using System.Text;
using RabbitMQ.Client;
using Webhook.Console.DeadLetters;
using Webhook.Messaging.DeadLetters;

namespace Webhook.Tests.Messaging.DeadLetters;

/// <summary>
/// Reading the error queue's messages as the broker hands them over (strings as bytes, x-death as a list of tables) and
/// the history a replayed copy carries. What the Processor and the broker really write is checked end to end in
/// DeadLetterTests; these pin down each rule.
/// </summary>
public class RabbitMqDeadLetterMessageTests
{
    static readonly Guid EventId = Guid.Parse("3a470eb8-9b24-8838-907c-e105a021786c");

    static readonly byte[] Envelope = Encoding.UTF8.GetBytes($$$"""
        {"messageId":"{{{EventId}}}","messageType":["urn:message:Webhook.Contracts:EmailEventReceived"],
         "message":{"eventId":"{{{EventId}}}","emailId":"email-1001","eventType":"Clicked","occurredAt":"2026-11-26T08:00:00+00:00","receivedAt":"2026-11-26T08:00:01+00:00","provider":"sendgrid"}}
        """);

    static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A message as MassTransit moves a fault into the error queue, as basic.get returns it.</summary>
    static BasicProperties Faulted(int? retryCount = null, int? deliveryCount = null, string at = "2026-11-26T09:30:00.1234567Z")
    {
        var headers = new Dictionary<string, object?>
        {
            ["MT-Activity-Id"] = Bytes("00-633f8fa8ed48d01061644fdfc3dda9e9-83718e45b4a08948-01"),
            ["MT-Reason"] = Bytes("fault"),
            ["MT-Fault-ExceptionType"] = Bytes("Amazon.DynamoDBv2.Model.ResourceNotFoundException"),
            ["MT-Fault-Message"] = Bytes("Cannot do operations on a non-existent table"),
            ["MT-Fault-Timestamp"] = Bytes(at),
            ["MT-Fault-StackTrace"] = Bytes("   at Amazon.Runtime.Internal.HttpHandler`1.InvokeAsync[T]()"),
            ["MT-Host-ProcessName"] = Bytes("Webhook.Processor"),
            ["x-dotnet-pub-seq-no"] = 17L,
        };
        if (retryCount is { } retries)
            headers["MT-Fault-RetryCount"] = retries;
        if (deliveryCount is { } deliveries)
            headers["x-delivery-count"] = deliveries;
        return new BasicProperties { MessageId = EventId.ToString(), ContentType = "application/vnd.masstransit+json", Headers = headers };
    }

    /// <summary>
    /// What MassTransit's error transport makes of a replayed copy that fails again: every header kept, its own fault
    /// headers added; this time the failure is permanent, so no retry count.
    /// </summary>
    static BasicProperties FaultedAgain(BasicProperties replayed)
    {
        var again = Faulted(at: "2026-11-27T07:00:05.0000000Z");
        foreach (var (key, value) in replayed.Headers!)
            again.Headers!.TryAdd(key, value is string s ? Bytes(s) : value);
        return again;
    }

    /// <summary>A message the quorum queue dead-lettered itself after its delivery limit.</summary>
    static BasicProperties DeadLetteredByTheBroker(string reason = "delivery_limit") => new()
    {
        MessageId = EventId.ToString(),
        Headers = new Dictionary<string, object?>
        {
            ["x-death"] = new List<object>
            {
                new Dictionary<string, object?>
                {
                    ["count"] = 1L,
                    ["reason"] = Bytes(reason),
                    ["queue"] = Bytes("email-events"),
                    ["time"] = new AmqpTimestamp(new DateTimeOffset(2026, 11, 26, 9, 45, 0, TimeSpan.Zero).ToUnixTimeSeconds()),
                    ["exchange"] = Bytes("Webhook.Contracts:EmailEventReceived"),
                    ["routing-keys"] = new List<object>(),
                },
            },
            ["x-first-death-reason"] = Bytes(reason),
            ["x-first-death-queue"] = Bytes("email-events"),
        },
    };

    [Fact]
    public void Should_read_the_event_and_the_fault_when_the_processor_gave_up_at_once()
    {
        var letter = RabbitMqDeadLetterMessage.Read(Faulted(), Envelope);

        Assert.Equal(EventId, letter.EventId);
        Assert.Equal("Clicked", letter.EventType);
        Assert.Equal("email-1001", letter.EmailId);
        Assert.Equal("sendgrid", letter.Provider);
        Assert.Equal(DeadLetterSources.Processor, letter.FailedIn);
        Assert.Equal("Cannot do operations on a non-existent table", letter.Reason);
        Assert.Equal("Amazon.DynamoDBv2.Model.ResourceNotFoundException", letter.ExceptionType);
        Assert.StartsWith("   at Amazon.Runtime", letter.StackTrace, StringComparison.Ordinal);
        Assert.Equal(1, letter.Attempts);
        Assert.Equal(0, letter.Replays);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 9, 30, 0, TimeSpan.Zero).AddTicks(1234567), letter.LastFailedAt);
        Assert.Equal(letter.LastFailedAt, letter.FirstFailedAt);
        Assert.Equal("fault", letter.Headers["MT-Reason"]);
        Assert.Equal("email-1001", letter.Body!.Value.GetProperty("message").GetProperty("emailId").GetString());
    }

    [Theory]
    [InlineData(null, null, 1)]
    [InlineData(8, null, 9)]
    [InlineData(8, 2, 11)]
    public void Should_count_the_first_try_the_retries_and_the_earlier_deliveries_as_attempts(int? retries, int? earlierDeliveries, int attempts)
    {
        Assert.Equal(attempts, RabbitMqDeadLetterMessage.Read(Faulted(retries, earlierDeliveries), Envelope).Attempts);
    }

    [Fact]
    public void Should_read_a_dead_lettering_by_the_delivery_limit_when_there_is_no_fault()
    {
        var letter = RabbitMqDeadLetterMessage.Read(DeadLetteredByTheBroker(), Envelope);

        Assert.Equal(DeadLetterSources.Broker, letter.FailedIn);
        Assert.Contains("from email-events", letter.Reason, StringComparison.Ordinal);
        Assert.Contains("delivery limit", letter.Reason, StringComparison.Ordinal);
        // More than the policy's limit, which the broker's copy does not give.
        Assert.Null(letter.Attempts);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 9, 45, 0, TimeSpan.Zero), letter.LastFailedAt);
        Assert.Null(letter.ExceptionType);
        Assert.Contains("reason: delivery_limit", letter.Headers["x-death"], StringComparison.Ordinal);
        Assert.Equal(EventId, letter.EventId);
    }

    [Fact]
    public void Should_keep_the_attempts_unknown_once_a_replayed_letter_had_them_unknown()
    {
        var first = DeadLetteredByTheBroker();
        var copy = RabbitMqDeadLetterMessage.ForReplay(first, RabbitMqDeadLetterMessage.Read(first, Envelope), Guid.NewGuid(), DateTimeOffset.UtcNow);
        var letter = RabbitMqDeadLetterMessage.Read(FaultedAgain(copy), Envelope);

        Assert.Equal(1, letter.Replays);
        Assert.Null(letter.Attempts);
    }

    [Fact]
    public void Should_name_another_reason_of_the_broker_as_it_is()
    {
        var letter = RabbitMqDeadLetterMessage.Read(DeadLetteredByTheBroker("expired"), Envelope);

        Assert.Equal("The broker dead-lettered it from email-events: expired.", letter.Reason);
        Assert.Equal(1, letter.Attempts);
    }

    [Fact]
    public void Should_keep_the_history_and_drop_the_last_failure_on_a_replayed_copy()
    {
        var original = Faulted(retryCount: 8);
        var letter = RabbitMqDeadLetterMessage.Read(original, Envelope);
        var replayId = Guid.NewGuid();
        var now = new DateTimeOffset(2026, 11, 27, 7, 0, 0, TimeSpan.Zero);

        var copy = RabbitMqDeadLetterMessage.ForReplay(original, letter, replayId, now);

        Assert.Equal(EventId.ToString(), copy.MessageId);
        Assert.Equal("application/vnd.masstransit+json", copy.ContentType);
        var headers = copy.Headers!;
        Assert.DoesNotContain(headers.Keys, k => k.StartsWith("MT-Fault-", StringComparison.Ordinal) || k.StartsWith("MT-Host-", StringComparison.Ordinal));
        Assert.DoesNotContain("MT-Reason", headers.Keys);
        Assert.DoesNotContain("x-dotnet-pub-seq-no", headers.Keys);
        Assert.Equal(original.Headers!["MT-Activity-Id"], headers["MT-Activity-Id"]);
        Assert.Equal(1, headers[DeadLetterHeaders.ReplayCount]);
        Assert.Equal(9, headers[DeadLetterHeaders.PreviousAttempts]);
        Assert.Equal("2026-11-26T09:30:00.1234567Z", headers[DeadLetterHeaders.FirstFailedAt]);
        Assert.Equal(replayId, RabbitMqDeadLetterMessage.ReplayIdOf(copy));
        // The original is left as it was: a replay that fails to publish puts nothing different back.
        Assert.Contains("MT-Fault-Message", original.Headers!.Keys);
    }

    [Fact]
    public void Should_read_the_whole_history_when_a_replayed_copy_fails_again()
    {
        var first = Faulted(retryCount: 8);
        var copy = RabbitMqDeadLetterMessage.ForReplay(first, RabbitMqDeadLetterMessage.Read(first, Envelope), Guid.NewGuid(), DateTimeOffset.UtcNow);
        var letter = RabbitMqDeadLetterMessage.Read(FaultedAgain(copy), Envelope);

        Assert.Equal(1, letter.Replays);
        Assert.Equal(9 + 1, letter.Attempts);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 9, 30, 0, TimeSpan.Zero).AddTicks(1234567), letter.FirstFailedAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 7, 0, 5, TimeSpan.Zero), letter.LastFailedAt);
    }

    [Fact]
    public void Should_fall_back_to_the_message_id_and_the_raw_text_when_the_body_is_not_json()
    {
        var letter = RabbitMqDeadLetterMessage.Read(Faulted(), Bytes("not json at all"));

        Assert.Equal(EventId, letter.EventId);
        Assert.Null(letter.EventType);
        Assert.Null(letter.Body);
        Assert.Equal("not json at all", letter.RawBody);
    }

    [Fact]
    public void Should_say_so_when_a_message_records_no_failure()
    {
        var letter = RabbitMqDeadLetterMessage.Read(new BasicProperties(), Envelope);

        Assert.Equal("unknown", letter.FailedIn);
        Assert.Equal(1, letter.Attempts);
        Assert.Null(letter.LastFailedAt);
    }

    [Fact]
    public void Should_read_a_message_whose_body_is_not_utf8_without_throwing()
    {
        byte[] body = [(byte)'{', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)'}'];
        var properties = new BasicProperties { MessageId = Guid.NewGuid().ToString(), Headers = new Dictionary<string, object?>() };

        var letter = RabbitMqDeadLetterMessage.Read(properties, body);

        Assert.Null(letter.Body);
        Assert.Equal("base64:" + Convert.ToBase64String(body), letter.RawBody);
        Assert.Equal(Guid.Parse(properties.MessageId), letter.EventId);
    }

    [Fact]
    public void Should_read_a_message_whose_strings_are_not_valid_unicode_without_throwing()
    {
        var body = System.Text.Encoding.UTF8.GetBytes("""{"message":{"eventId":"\ud800","emailId":"e"}}""");
        var properties = new BasicProperties { MessageId = Guid.NewGuid().ToString(), Headers = new Dictionary<string, object?>() };

        var letter = RabbitMqDeadLetterMessage.Read(properties, body);

        Assert.Equal(Guid.Parse(properties.MessageId), letter.EventId);
    }
}
