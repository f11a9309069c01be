namespace Webhook.Contracts;

/// <summary>
/// An event of a verified webhook that could not be accepted (a missing or malformed field, an id that is not
/// printable, a body that is not JSON), kept as it arrived with the reasons, for an operator to see. Published by
/// Webhook.Api beside the webhook's valid events, which were accepted; nothing consumes it.
/// </summary>
public record EmailEventSetAside
{
    /// <summary>
    /// Derived from the provider, the delivery and the event's position, like an event id: a provider's retry of the
    /// same webhook sets aside a copy with the same id.
    /// </summary>
    public required Guid SetAsideId { get; init; }

    /// <summary>Which provider sent it, for example "standard", "sendgrid" or "mailgun".</summary>
    public required string Provider { get; init; }

    /// <summary>The provider's id of the delivery it came in, when it has one.</summary>
    public string? DeliveryId { get; init; }

    /// <summary>When Webhook.Api received and verified the webhook (UTC).</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Where the event stood in the body, as a JSON path ("$" for the whole body, "$[3]" for an array's fourth).</summary>
    public required string Path { get; init; }

    /// <summary>What is wrong, keyed by the JSON path of each field at fault.</summary>
    public required IReadOnlyDictionary<string, string[]> Errors { get; init; }

    /// <summary>The event's JSON text as it arrived (the whole body when it could not be read as events).</summary>
    public required string RawEvent { get; init; }

    /// <summary>"utf-8", or "base64" when the body was not UTF-8 text.</summary>
    public required string RawEncoding { get; init; }
}
