namespace Webhook.Processor.Data;

/// <summary>A product shown in an email.</summary>
public class EmailProduct
{
    public required string EmailId { get; set; }
    public int ProductId { get; set; }
    public Product? Product { get; set; }
}
