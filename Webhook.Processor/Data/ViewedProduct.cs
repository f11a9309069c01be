namespace Webhook.Processor.Data;

/// <summary>A product a customer has seen, by opening or clicking an email that showed it.</summary>
public class ViewedProduct
{
    public int CustomerId { get; set; }
    public int ProductId { get; set; }
    public Product? Product { get; set; }
    public DateTimeOffset FirstViewedAt { get; set; }
    public DateTimeOffset LastViewedAt { get; set; }
    public int ViewCount { get; set; }
}
