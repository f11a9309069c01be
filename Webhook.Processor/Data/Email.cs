namespace Webhook.Processor.Data;

/// <summary>A marketing email sent to one customer; its id is the one the provider reports events with.</summary>
public class Email
{
    public required string Id { get; set; }
    public int CustomerId { get; set; }
    public Customer? Customer { get; set; }
    public required string Subject { get; set; }
    public DateTimeOffset SentAt { get; set; }

    /// <summary>The products the email showed.</summary>
    public List<EmailProduct> Products { get; } = [];
}
