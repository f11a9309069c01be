using System.Text;
using System.Text.Unicode;
using Webhook.Contracts;

namespace Webhook.Providers.Parsing;

/// <summary>Turns a verified provider payload into events. One implementation per provider payload shape.</summary>
public interface IWebhookEventParser
{
    /// <summary>
    /// Reads every event of the body: the valid ones as events, each invalid one as a refused event with its reasons
    /// (one bad event never costs the good ones beside it); a body that cannot be read as events is refused whole.
    /// </summary>
    ParseResult Parse(ReadOnlyMemory<byte> body, WebhookDelivery delivery);
}

/// <summary>What is known about a verified request besides its body.</summary>
/// <param name="Provider">The provider's name, as in <see cref="EmailEventReceived.Provider"/>.</param>
/// <param name="DeliveryId">The provider's id of this delivery, when it has one.</param>
/// <param name="ReceivedAt">When the request was received.</param>
public sealed record WebhookDelivery(string Provider, string? DeliveryId, DateTimeOffset ReceivedAt);

/// <summary>An event of the body that could not be accepted: where it stood, what is wrong, and its text as it arrived.</summary>
/// <param name="Path">The event's JSON path ("$" for the whole body).</param>
/// <param name="Errors">What is wrong, keyed by the JSON path of each field at fault.</param>
/// <param name="Raw">The event's JSON text, or the whole body (base64 when <paramref name="IsBase64"/>).</param>
public sealed record RefusedEvent(string Path, IReadOnlyDictionary<string, string[]> Errors, string Raw, bool IsBase64 = false)
{
    /// <summary>The whole body, refused with one reason.</summary>
    public static RefusedEvent WholeBody(ReadOnlySpan<byte> body, string error) =>
        Utf8.IsValid(body)
            ? new("$", new Dictionary<string, string[]> { ["$"] = [error] }, Encoding.UTF8.GetString(body))
            : new("$", new Dictionary<string, string[]> { ["$"] = [error] }, Convert.ToBase64String(body), IsBase64: true);
}

/// <summary>The events of a payload that are valid, and the ones that are not, with why.</summary>
public sealed class ParseResult
{
    ParseResult(IReadOnlyList<EmailEventReceived> events, IReadOnlyList<RefusedEvent> refused)
    {
        Events = events;
        Refused = refused;
    }

    public IReadOnlyList<EmailEventReceived> Events { get; }

    public IReadOnlyList<RefusedEvent> Refused { get; }

    /// <summary>Every reason of every refused event, keyed by the path of the field at fault.</summary>
    public IDictionary<string, string[]> Errors =>
        Refused.SelectMany(r => r.Errors).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    /// <summary>True when no event was refused.</summary>
    public bool IsValid => Refused.Count == 0;

    public static ParseResult Of(IReadOnlyList<EmailEventReceived> events, IReadOnlyList<RefusedEvent> refused) => new(events, refused);

    public static ParseResult Success(IReadOnlyList<EmailEventReceived> events) => new(events, []);

    /// <summary>The body cannot be read as events at all: it is refused whole.</summary>
    public static ParseResult Unreadable(ReadOnlySpan<byte> body, string error) => new([], [RefusedEvent.WholeBody(body, error)]);
}
