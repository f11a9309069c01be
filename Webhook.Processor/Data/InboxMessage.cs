namespace Webhook.Processor.Data;

/// <summary>
/// An event already applied to this database. Written in the same transaction as the event's changes, so an event
/// delivered twice finds its row and changes nothing. Kept for Processor:InboxRetention (7 days by default), or for
/// good when <see cref="Retained"/>.
/// </summary>
public class InboxMessage
{
    public Guid EventId { get; set; }
    public required string EventType { get; set; }
    public DateTimeOffset ProcessedAt { get; set; }

    /// <summary>
    /// Kept past the retention: the event was delivered again by the broker, or went to the dead letters, so it may come
    /// back from a replay at any time. Few rows are: only events that failed once.
    /// </summary>
    public bool Retained { get; set; }
}
