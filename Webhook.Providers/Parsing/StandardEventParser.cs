using System.Globalization;
using System.Text.Json;
using Webhook.Contracts;

namespace Webhook.Providers.Parsing;

/// <summary>
/// The generic payload of /webhooks/email: one object or an array of objects
/// <c>{"emailId": "...", "eventType": "Opened" | "Clicked" | "Spam", "occurredAt": "ISO-8601, optional"}</c>.
/// Event types are case-insensitive; unknown fields are ignored.
/// </summary>
public sealed class StandardEventParser : IWebhookEventParser
{
    public const int MaxEventsPerRequest = 1000;
    static readonly string[] EventTypes = [EmailEventTypes.Opened, EmailEventTypes.Clicked, EmailEventTypes.Spam];

    public ParseResult Parse(ReadOnlyMemory<byte> body, WebhookDelivery delivery) =>
        ProviderPayload.Read(body, root => Parse(root, body, delivery));

    static ParseResult Parse(JsonElement root, ReadOnlyMemory<byte> body, WebhookDelivery delivery)
    {
        var items = root.ValueKind switch
        {
            JsonValueKind.Object => [root],
            JsonValueKind.Array => root.EnumerateArray().ToList(),
            _ => null,
        };
        if (items is null)
            return ParseResult.Unreadable(body.Span, "The body must be an event object or an array of event objects.");
        if (items.Count == 0)
            return ParseResult.Unreadable(body.Span, "The array holds no event.");
        if (items.Count > MaxEventsPerRequest)
            return ParseResult.Unreadable(body.Span, $"At most {MaxEventsPerRequest} events are accepted per request.");

        var events = new List<EmailEventReceived>(items.Count);
        var refused = new List<RefusedEvent>();
        var deliveryId = delivery.DeliveryId ?? throw new InvalidOperationException("A verified Standard Webhooks delivery has an id.");
        for (var i = 0; i < items.Count; i++)
        {
            var index = i;
            var path = root.ValueKind == JsonValueKind.Array ? $"$[{i}]" : "$";
            ProviderPayload.ReadEvent(items[i], path, errors => ParseEvent(items[index], path, delivery, errors) is { } e
                ? new EmailEventReceived
                {
                    EventId = EventIds.FromDelivery(delivery.Provider, deliveryId, index),
                    EmailId = e.EmailId,
                    EventType = e.EventType,
                    OccurredAt = e.OccurredAt ?? delivery.ReceivedAt,
                    ReceivedAt = delivery.ReceivedAt,
                    Provider = delivery.Provider,
                }
                : null, events, refused);
        }
        return ParseResult.Of(events, refused);
    }

    static (string EmailId, string EventType, DateTimeOffset? OccurredAt)? ParseEvent(JsonElement item, string path, WebhookDelivery delivery,
        Dictionary<string, string[]> errors)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            errors[path] = ["An event must be a JSON object."];
            return null;
        }

        string? emailId = null, eventType = null;
        DateTimeOffset? occurredAt = null;
        var ok = true;
        foreach (var property in item.EnumerateObject())
        {
            if (property.NameEquals("emailId"))
                ok &= ReadEmailId(property.Value, $"{path}.emailId", errors, out emailId);
            else if (property.NameEquals("eventType"))
                ok &= ReadEventType(property.Value, $"{path}.eventType", errors, out eventType);
            else if (property.NameEquals("occurredAt"))
                ok &= ReadOccurredAt(property.Value, $"{path}.occurredAt", delivery, errors, out occurredAt);
        }

        if (emailId is null && !errors.ContainsKey($"{path}.emailId"))
            errors[$"{path}.emailId"] = ["emailId is required."];
        if (eventType is null && !errors.ContainsKey($"{path}.eventType"))
            errors[$"{path}.eventType"] = ["eventType is required."];

        return ok && emailId is not null && eventType is not null ? (emailId, eventType, occurredAt) : null;
    }

    static bool ReadEmailId(JsonElement value, string path, Dictionary<string, string[]> errors, out string? emailId)
    {
        emailId = ProviderPayload.Id(value);
        if (emailId is null)
        {
            errors[path] = [ProviderPayload.IdRule("emailId")];
            return false;
        }
        return true;
    }

    static bool ReadEventType(JsonElement value, string path, Dictionary<string, string[]> errors, out string? eventType)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        eventType = EventTypes.FirstOrDefault(t => string.Equals(t, text, StringComparison.OrdinalIgnoreCase));
        if (eventType is null)
        {
            errors[path] = [$"eventType must be one of {string.Join(", ", EventTypes)}."];
            return false;
        }
        return true;
    }

    static bool ReadOccurredAt(JsonElement value, string path, WebhookDelivery delivery, Dictionary<string, string[]> errors, out DateTimeOffset? occurredAt)
    {
        occurredAt = null;
        if (value.ValueKind == JsonValueKind.Null)
            return true;
        if (value.ValueKind != JsonValueKind.String
            || !DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            errors[path] = ["occurredAt must be an ISO-8601 date and time."];
            return false;
        }
        if (!ProviderPayload.IsPlausible(parsed, delivery.ReceivedAt))
        {
            errors[path] = [ProviderPayload.ImplausibleTime("occurredAt")];
            return false;
        }
        occurredAt = parsed.ToUniversalTime();
        return true;
    }
}
