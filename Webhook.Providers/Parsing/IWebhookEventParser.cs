using Webhook.Contracts;

namespace Webhook.Providers.Parsing;

/// <summary>Turns a verified provider payload into events. One implementation per provider payload shape.</summary>
public interface IWebhookEventParser
{
    /// <summary>Parses every event of the body, or none: a batch with one bad event is refused whole.</summary>
    ParseResult Parse(ReadOnlyMemory<byte> body, WebhookDelivery delivery);
}

/// <summary>What is known about a verified request besides its body.</summary>
/// <param name="Provider">The provider's name, as in <see cref="EmailEventReceived.Provider"/>.</param>
/// <param name="DeliveryId">The provider's id of this delivery, when it has one.</param>
/// <param name="ReceivedAt">When the request was received.</param>
public sealed record WebhookDelivery(string Provider, string? DeliveryId, DateTimeOffset ReceivedAt);

/// <summary>Either the events of a payload or what is wrong with it, keyed by JSON path.</summary>
public sealed class ParseResult
{
    ParseResult(IReadOnlyList<EmailEventReceived> events, IDictionary<string, string[]> errors)
    {
        Events = events;
        Errors = errors;
    }

    public IReadOnlyList<EmailEventReceived> Events { get; }

    public IDictionary<string, string[]> Errors { get; }

    public bool IsValid => Errors.Count == 0;

    public static ParseResult Success(IReadOnlyList<EmailEventReceived> events) => new(events, new Dictionary<string, string[]>());

    public static ParseResult Failure(IDictionary<string, string[]> errors) => new([], errors);

    public static ParseResult Failure(string path, string error) => Failure(new Dictionary<string, string[]> { [path] = [error] });
}
