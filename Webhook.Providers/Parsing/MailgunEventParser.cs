using System.Text.Json;
using Webhook.Contracts;

namespace Webhook.Providers.Parsing;

/// <summary>
/// Mailgun's webhook body: one event under <c>event-data</c> (the <c>signature</c> object beside it is the
/// verifier's). <c>opened</c>, <c>clicked</c> and <c>complained</c> become Opened, Clicked and Spam; any other event
/// is passed on under its own name. The email is <c>user-variables.email_id</c> when the message was sent with
/// <c>v:email_id</c>, else the message's Message-Id header; the event's identity is Mailgun's own event id.
/// </summary>
public sealed class MailgunEventParser : IWebhookEventParser
{
    public ParseResult Parse(ReadOnlyMemory<byte> body, WebhookDelivery delivery) =>
        ProviderPayload.Read(body, root => Parse(root, delivery));

    static ParseResult Parse(JsonElement root, WebhookDelivery delivery)
    {
        if (ProviderPayload.Optional(root, "event-data") is not { ValueKind: JsonValueKind.Object } data)
        {
            var path = "$.event-data";
            return ParseResult.Of([], [new RefusedEvent(path, new Dictionary<string, string[]> { [path] = ["event-data must be an object."] }, root.GetRawText())]);
        }

        var events = new List<EmailEventReceived>(1);
        var refused = new List<RefusedEvent>();
        ProviderPayload.ReadEvent(data, "$.event-data", errors => ParseEvent(data, delivery, errors), events, refused);
        return ParseResult.Of(events, refused);
    }

    static EmailEventReceived? ParseEvent(JsonElement data, WebhookDelivery delivery, Dictionary<string, string[]> errors)
    {
        var eventType = ProviderPayload.Optional(data, "event") is { } name ? ProviderPayload.EventType(name, "opened", "clicked", "complained") : null;
        if (eventType is null)
            errors["$.event-data.event"] = [$"event must be a lowercase name of at most {ProviderPayload.MaxEventTypeLength} letters, digits, '_', '-' or '.'."];

        var id = ProviderPayload.Optional(data, "id") is { } i ? ProviderPayload.Id(i) : null;
        if (id is null)
            errors["$.event-data.id"] = [ProviderPayload.IdRule("id")];

        var occurredAt = ProviderPayload.Optional(data, "timestamp") is { } t ? ProviderPayload.UnixTime(t) : null;
        if (occurredAt is null)
            errors["$.event-data.timestamp"] = ["timestamp must be Unix seconds."];
        else if (!ProviderPayload.IsPlausible(occurredAt.Value, delivery.ReceivedAt))
            errors["$.event-data.timestamp"] = [ProviderPayload.ImplausibleTime("timestamp")];

        var emailId = EmailId(data, errors);
        if (errors.Count > 0)
            return null;

        return new EmailEventReceived
        {
            EventId = EventIds.FromContent(delivery.Provider, id),
            EmailId = emailId!,
            EventType = eventType!,
            OccurredAt = occurredAt!.Value,
            ReceivedAt = delivery.ReceivedAt,
            Provider = delivery.Provider,
        };
    }

    static string? EmailId(JsonElement data, Dictionary<string, string[]> errors)
    {
        // User variables arrive as strings; a number (v:email_id sent through X-Mailgun-Variables as JSON) is taken as written.
        if (ProviderPayload.Optional(data, "user-variables") is { } variables && ProviderPayload.Optional(variables, "email_id") is { } custom)
        {
            var text = custom.ValueKind == JsonValueKind.Number ? custom.GetRawText() : ProviderPayload.Id(custom);
            if (text is not null && ProviderPayload.IsId(text))
                return text;
            errors["$.event-data.user-variables.email_id"] = [ProviderPayload.IdRule("email_id")];
            return null;
        }

        var messageId = ProviderPayload.Optional(data, "message") is { } message && ProviderPayload.Optional(message, "headers") is { } headers
            && ProviderPayload.Optional(headers, "message-id") is { } header
            ? ProviderPayload.Id(header)
            : null;
        if (messageId is null)
            errors["$.event-data.message.headers.message-id"] = ["Either user-variables.email_id or message.headers.message-id is required."];
        return messageId;
    }
}
