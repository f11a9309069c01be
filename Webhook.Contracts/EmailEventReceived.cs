namespace Webhook.Contracts;

/// <summary>
/// An email provider reported that something happened to a marketing email (opened, clicked, reported as spam, …).
/// Published by Webhook.Api once the provider's signature has been verified; consumed by Webhook.Processor.
/// </summary>
public record EmailEventReceived
{
    /// <summary>
    /// The longest <see cref="EmailId"/> the intake takes (and the Processor's tables store): the longest any
    /// statistics hold.
    /// </summary>
    public const int MaxEmailIdLength = 256;

    /// <summary>
    /// Stable identity of the event, derived deterministically from what the provider sent, so that a provider's
    /// retry of the same webhook carries the same id. It is also the broker's message id and the deduplication key.
    /// </summary>
    public required Guid EventId { get; init; }

    /// <summary>The email the event is about, as the provider identifies it.</summary>
    public required string EmailId { get; init; }

    /// <summary>
    /// What happened: one of <see cref="EmailEventTypes"/> for the types the product acts on, otherwise the
    /// provider's own type name (for example "delivered" or "bounce"), which is counted but changes no customer data.
    /// </summary>
    public required string EventType { get; init; }

    /// <summary>When the provider says the event happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>When Webhook.Api received and verified the webhook (UTC).</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Which provider sent it, for example "standard", "sendgrid" or "mailgun".</summary>
    public required string Provider { get; init; }
}
