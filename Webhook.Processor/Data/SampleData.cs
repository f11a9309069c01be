using Microsoft.EntityFrameworkCore;

namespace Webhook.Processor.Data;

/// <summary>
/// The quick start's customers, products and emails: emails <c>email-1001</c> to <c>email-1010</c>, each sent to one
/// of three customers and showing two or three products. Inserted only into an empty database.
/// </summary>
public static class SampleData
{
    public static async Task SeedAsync(WebhookDbContext db, CancellationToken ct)
    {
        if (await db.Customers.AnyAsync(ct))
            return;

        var customers = new[]
        {
            new Customer { EmailAddress = "ada@example.com", Name = "Ada Lovelace" },
            new Customer { EmailAddress = "grace@example.com", Name = "Grace Hopper" },
            new Customer { EmailAddress = "alan@example.com", Name = "Alan Turing" },
        };
        var products = new[]
        {
            new Product { Sku = "KB-01", Name = "Mechanical keyboard" },
            new Product { Sku = "MS-02", Name = "Wireless mouse" },
            new Product { Sku = "MN-03", Name = "27-inch monitor" },
            new Product { Sku = "HD-04", Name = "Noise-cancelling headphones" },
            new Product { Sku = "DK-05", Name = "Standing desk" },
        };
        db.Customers.AddRange(customers);
        db.Products.AddRange(products);
        await db.SaveChangesAsync(ct);

        for (var i = 0; i < 10; i++)
        {
            var email = new Email
            {
                Id = $"email-{1001 + i}",
                CustomerId = customers[i % customers.Length].Id,
                Subject = $"Picked for you, week {i + 1}",
                SentAt = DateTimeOffset.UtcNow.AddDays(-1),
            };
            for (var p = 0; p < 2 + (i % 2); p++)
                email.Products.Add(new EmailProduct { EmailId = email.Id, ProductId = products[(i + p) % products.Length].Id });
            db.Emails.Add(email);
        }
        await db.SaveChangesAsync(ct);
    }
}
