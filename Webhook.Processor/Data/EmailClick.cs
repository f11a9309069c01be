namespace Webhook.Processor.Data;

/// <summary>A click in an email, one row per Clicked event.</summary>
public class EmailClick
{
    public Guid EventId { get; set; }
    public required string EmailId { get; set; }
    public int CustomerId { get; set; }
    public DateTimeOffset ClickedAt { get; set; }
}
