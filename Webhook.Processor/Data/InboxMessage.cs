namespace Webhook.Processor.Data;

/// <summary>
/// An event already applied to this database. Written in the same transaction as the event's changes, so an event
/// delivered twice finds its row and changes nothing. Kept for Processor:InboxRetention (7 days by default).
/// </summary>
public class InboxMessage
{
    public Guid EventId { get; set; }
    public required string EventType { get; set; }
    public DateTimeOffset ProcessedAt { get; set; }
}
