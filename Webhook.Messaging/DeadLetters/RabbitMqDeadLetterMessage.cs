using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MassTransit;
using RabbitMQ.Client;

namespace Webhook.Messaging.DeadLetters;

/// <summary>
/// Reads a message of RabbitMQ's error queue as a <see cref="DeadLetter"/>, and prepares its copy for a replay.
/// Two kinds arrive there: events the Processor faulted on, which MassTransit moved with its <c>MT-Fault-*</c>
/// headers, and events the quorum queue dead-lettered itself after its delivery limit, which carry the broker's
/// <c>x-death</c> header instead.
/// </summary>
public static class RabbitMqDeadLetterMessage
{
    const string DeathHeader = "x-death";
    const string DeliveryCountHeader = "x-delivery-count";

    public static DeadLetter Read(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        var headers = properties.Headers ?? new Dictionary<string, object?>();
        var content = ReadBody(body);
        var eventId = content.EventId ?? (Guid.TryParse(properties.MessageId, out var messageId) ? messageId : null);

        // Deliveries before the last one, counted by the quorum queue (each was at least one attempt).
        var earlierDeliveries = Number(headers, DeliveryCountHeader) ?? 0;
        var previousAttempts = Number(headers, DeadLetterHeaders.PreviousAttempts) ?? 0;
        // A replay of a letter whose attempts were not known says so (an empty header): the total is not known either.
        var previousAttemptsUnknown = headers.ContainsKey(DeadLetterHeaders.PreviousAttempts) && Number(headers, DeadLetterHeaders.PreviousAttempts) is null;

        string failedIn, reason;
        int? attempts;
        DateTimeOffset? failedAt;
        if (headers.ContainsKey(MessageHeaders.FaultMessage) || headers.ContainsKey(MessageHeaders.FaultExceptionType))
        {
            failedIn = DeadLetterSources.Processor;
            reason = Text(headers, MessageHeaders.FaultMessage) ?? "(no message)";
            failedAt = Time(Text(headers, MessageHeaders.FaultTimestamp));
            // MassTransit writes the retry count only when there was a retry.
            attempts = earlierDeliveries + 1 + (Number(headers, MessageHeaders.FaultRetryCount) ?? 0);
        }
        else if (LatestDeath(headers) is { } death)
        {
            failedIn = DeadLetterSources.Broker;
            var why = Text(death, "reason") ?? "unknown";
            var queue = Text(death, "queue") ?? "?";
            var overLimit = why == "delivery_limit";
            reason = overLimit
                ? $"The broker dead-lettered it from {queue}: delivered more times than the queue's delivery limit (its policy's delivery-limit) without being settled, so the Processor probably crashed or was killed while processing it."
                : $"The broker dead-lettered it from {queue}: {why}.";
            failedAt = death.TryGetValue("time", out var time) && time is AmqpTimestamp stamp
                ? DateTimeOffset.FromUnixTimeSeconds(stamp.UnixTime)
                : null;
            // The dead-lettered copy does not say how often it was delivered, only that it was more than the limit, which
            // is the broker's policy and not known here.
            attempts = overLimit ? null : Math.Max(earlierDeliveries, 1);
        }
        else
        {
            failedIn = "unknown";
            reason = "Neither a fault of the Processor nor a dead-lettering by the broker is recorded on this message.";
            failedAt = null;
            attempts = Math.Max(earlierDeliveries, 1);
        }

        return new DeadLetter
        {
            EventId = eventId,
            EventType = content.EventType,
            EmailId = content.EmailId,
            Provider = content.Provider,
            Reason = reason,
            FailedIn = failedIn,
            Attempts = attempts is null || previousAttemptsUnknown ? null : previousAttempts + attempts,
            Replays = Number(headers, DeadLetterHeaders.ReplayCount) ?? 0,
            FirstFailedAt = Time(Text(headers, DeadLetterHeaders.FirstFailedAt)) ?? failedAt,
            LastFailedAt = failedAt,
            ExceptionType = Text(headers, MessageHeaders.FaultExceptionType),
            StackTrace = Text(headers, MessageHeaders.FaultStackTrace),
            Body = content.Body,
            RawBody = content.Body is not null ? null
                : System.Text.Unicode.Utf8.IsValid(body.Span) ? Encoding.UTF8.GetString(body.Span)
                : "base64:" + Convert.ToBase64String(body.Span),
            Headers = headers.ToDictionary(h => h.Key, h => Format(h.Value), StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// The properties of the copy a replay sends back: the original ones (message id, content type, MassTransit's
    /// headers, the trace context), without the record of the last failure, plus the history of every failure so far.
    /// </summary>
    public static BasicProperties ForReplay(IReadOnlyBasicProperties original, DeadLetter letter, Guid replayId, DateTimeOffset now)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in original.Headers ?? new Dictionary<string, object?>())
        {
            if (!DescribesLastFailure(key))
                headers[key] = value;
        }
        headers[DeadLetterHeaders.ReplayCount] = letter.Replays + 1;
        headers[DeadLetterHeaders.PreviousAttempts] = letter.Attempts is { } attempts ? attempts : "unknown";
        headers[DeadLetterHeaders.FirstFailedAt] = Iso(letter.FirstFailedAt ?? now);
        headers[DeadLetterHeaders.ReplayedAt] = Iso(now);
        headers[DeadLetterHeaders.ReplayId] = replayId.ToString();

        // The copy constructor copies every property; the headers dictionary must be a new, writable one (the
        // client adds its publish sequence number to it).
        return new BasicProperties(original) { Headers = headers, Expiration = null };
    }

    /// <summary>The replay that sent this message back, if any.</summary>
    public static Guid? ReplayIdOf(IReadOnlyBasicProperties properties) =>
        Guid.TryParse(Text(properties.Headers ?? new Dictionary<string, object?>(), DeadLetterHeaders.ReplayId), out var id) ? id : null;

    /// <summary>
    /// Headers that describe the failure just recorded, or the transport's bookkeeping of the last trip. Left on a
    /// replayed copy, they would be copied into the next failure (MassTransit overwrites the fault headers it sets,
    /// but writes the retry count only when there was a retry), or make a fault look like a broker dead-lettering.
    /// </summary>
    static bool DescribesLastFailure(string key) =>
        key.StartsWith("MT-Fault-", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("MT-Host-", StringComparison.OrdinalIgnoreCase)
        || key.Equals(MessageHeaders.Reason, StringComparison.OrdinalIgnoreCase)
        || key.Equals(DeathHeader, StringComparison.Ordinal)
        || key.StartsWith("x-first-death-", StringComparison.Ordinal)
        || key.StartsWith("x-last-death-", StringComparison.Ordinal)
        || key is DeliveryCountHeader or "x-acquired-count" or "x-dotnet-pub-seq-no";

    /// <summary>The broker puts the most recent dead-lettering first.</summary>
    static IDictionary<string, object?>? LatestDeath(IDictionary<string, object?> headers) =>
        headers.TryGetValue(DeathHeader, out var deaths) && deaths is IEnumerable list and not byte[] and not string
            ? list.OfType<IDictionary<string, object?>>().FirstOrDefault()
            : null;

    static string? Text(IDictionary<string, object?> headers, string key) =>
        headers.TryGetValue(key, out var value) && value is not null ? Format(value) : null;

    static int? Number(IDictionary<string, object?> headers, string key) =>
        headers.TryGetValue(key, out var value) ? value switch
        {
            int i => i,
            long l => (int)Math.Clamp(l, int.MinValue, int.MaxValue),
            short s => s,
            byte b => b,
            sbyte sb => sb,
            ushort us => us,
            uint ui => (int)Math.Min(ui, int.MaxValue),
            byte[] or string when int.TryParse(Format(value), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        } : null;

    static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;

    static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>A header value as text: AMQP strings arrive as bytes, tables and arrays (x-death) nest.</summary>
    static string Format(object? value) => value switch
    {
        null => "",
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string s => s,
        AmqpTimestamp stamp => Iso(DateTimeOffset.FromUnixTimeSeconds(stamp.UnixTime)),
        IDictionary<string, object?> table => "{" + string.Join(", ", table.Select(e => $"{e.Key}: {Format(e.Value)}")) + "}",
        IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Format)) + "]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>
    /// The event inside MassTransit's envelope (<c>{"message": {...}, ...}</c>), or the body itself when it is the
    /// event. A body that is not UTF-8 JSON (or whose strings are not valid Unicode) is kept as raw text, never thrown on.
    /// </summary>
    static BodyContent ReadBody(ReadOnlyMemory<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
            return new BodyContent(null, null, null, null, null);
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var message = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out var inner) && inner.ValueKind == JsonValueKind.Object
                ? inner
                : root;
            return new BodyContent(
                Property(message, "eventId") is { } id && Guid.TryParse(id, out var eventId) ? eventId : null,
                Property(message, "eventType"),
                Property(message, "emailId"),
                Property(message, "provider"),
                root.Clone());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: an escape that is not UTF-16 (a lone \ud800) in a string read above.
            return new BodyContent(null, null, null, null, null);
        }
    }

    static string? Property(JsonElement message, string name) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    readonly record struct BodyContent(Guid? EventId, string? EventType, string? EmailId, string? Provider, JsonElement? Body);
}
