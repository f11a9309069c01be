namespace Webhook.Processor.Data;

/// <summary>Someone marketing emails are sent to.</summary>
public class Customer
{
    public int Id { get; set; }
    public required string EmailAddress { get; set; }
    public required string Name { get; set; }

    /// <summary>When the customer first reported one of our emails as spam; null if never.</summary>
    public DateTimeOffset? ComplainedAt { get; set; }

    public List<ViewedProduct> ViewedProducts { get; } = [];
}
