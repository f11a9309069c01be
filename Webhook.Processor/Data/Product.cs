namespace Webhook.Processor.Data;

/// <summary>Something an email can show.</summary>
public class Product
{
    public int Id { get; set; }
    public required string Sku { get; set; }
    public required string Name { get; set; }
}
