using System.Globalization;
using System.Text.Json;
using Webhook.Contracts;

namespace Webhook.Providers.Parsing;

/// <summary>
/// SendGrid's Event Webhook body: a JSON array of event objects. <c>open</c>, <c>click</c> and <c>spamreport</c>
/// become Opened, Clicked and Spam; any other event is passed on under its own name. The email is the custom
/// argument <c>email_id</c> when the message was sent with one, else SendGrid's <c>sg_message_id</c>.
/// </summary>
/// <remarks>
/// SendGrid retries a batch for up to 24 hours and <c>sg_event_id</c> is missing for some types and not stable
/// across those retries, so an event's id is derived from what it says: message, custom email id, recipient, event,
/// timestamp and, when there is one, the clicked URL (<see cref="EventIds.FromContent"/>). Two events that agree on
/// all of these are the same observation and are counted once.
/// </remarks>
public sealed class SendGridEventParser : IWebhookEventParser
{
    /// <summary>SendGrid posts a batch when it reaches 768 KB; its smallest events are about 150 bytes.</summary>
    public const int MaxEventsPerRequest = 10_000;

    public ParseResult Parse(ReadOnlyMemory<byte> body, WebhookDelivery delivery) =>
        ProviderPayload.Read(body, root => Parse(root, body, delivery));

    static ParseResult Parse(JsonElement root, ReadOnlyMemory<byte> body, WebhookDelivery delivery)
    {
        if (root.ValueKind != JsonValueKind.Array)
            return ParseResult.Unreadable(body.Span, "The body must be a JSON array of events.");
        var count = root.GetArrayLength();
        if (count == 0)
            return ParseResult.Unreadable(body.Span, "The array holds no event.");
        if (count > MaxEventsPerRequest)
            return ParseResult.Unreadable(body.Span, $"At most {MaxEventsPerRequest} events are accepted per request.");

        var events = new List<EmailEventReceived>(count);
        var refused = new List<RefusedEvent>();
        var index = 0;
        foreach (var item in root.EnumerateArray())
        {
            var path = $"$[{index++}]";
            ProviderPayload.ReadEvent(item, path, errors => ParseEvent(item, path, delivery, errors), events, refused);
        }
        return ParseResult.Of(events, refused);
    }

    static EmailEventReceived? ParseEvent(JsonElement item, string path, WebhookDelivery delivery, Dictionary<string, string[]> errors)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            errors[path] = ["An event must be a JSON object."];
            return null;
        }

        var name = ProviderPayload.Optional(item, "event");
        var eventType = name is { } n ? ProviderPayload.EventType(n, "open", "click", "spamreport") : null;
        if (eventType is null)
            errors[$"{path}.event"] = [$"event must be a lowercase name of at most {ProviderPayload.MaxEventTypeLength} letters, digits, '_', '-' or '.'."];

        var timestamp = ProviderPayload.Optional(item, "timestamp");
        long seconds = 0;
        if (timestamp is not { ValueKind: JsonValueKind.Number } t || !t.TryGetInt64(out seconds)
            || ProviderPayload.UnixTime(t) is null)
            errors[$"{path}.timestamp"] = ["timestamp must be Unix seconds."];
        else if (!ProviderPayload.IsPlausible(DateTimeOffset.FromUnixTimeSeconds(seconds), delivery.ReceivedAt))
            errors[$"{path}.timestamp"] = [ProviderPayload.ImplausibleTime("timestamp")];

        var messageId = Id(item, "sg_message_id", path, errors);
        var customEmailId = Id(item, "email_id", path, errors);
        var email = Id(item, "email", path, errors);
        var url = ProviderPayload.Optional(item, "url") is { } u ? u.ValueKind == JsonValueKind.String ? u.GetString() : null : null;
        if (customEmailId is null && messageId is null && !errors.ContainsKey($"{path}.email_id") && !errors.ContainsKey($"{path}.sg_message_id"))
            errors[$"{path}.sg_message_id"] = ["Either the custom argument email_id or sg_message_id is required."];

        if (errors.Count > 0)
            return null;

        var timestampText = seconds.ToString(CultureInfo.InvariantCulture);
        return new EmailEventReceived
        {
            EventId = EventIds.FromContent(delivery.Provider, messageId, customEmailId, email, name!.Value.GetString(), timestampText, url),
            EmailId = customEmailId ?? messageId!,
            EventType = eventType!,
            OccurredAt = DateTimeOffset.FromUnixTimeSeconds(seconds),
            ReceivedAt = delivery.ReceivedAt,
            Provider = delivery.Provider,
        };
    }

    /// <summary>An optional id-like string property; present but not one is an error.</summary>
    static string? Id(JsonElement item, string property, string path, Dictionary<string, string[]> errors)
    {
        if (ProviderPayload.Optional(item, property) is not { } value)
            return null;
        if (ProviderPayload.Id(value) is { } id)
            return id;
        errors[$"{path}.{property}"] = [ProviderPayload.IdRule(property)];
        return null;
    }
}
