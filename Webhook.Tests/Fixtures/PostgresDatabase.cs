using Microsoft.EntityFrameworkCore;
using Npgsql;
using Webhook.Processor.Data;

namespace Webhook.Tests.Fixtures;

/// <summary>A database of its own on the test PostgreSQL, migrated with the committed migrations, dropped at the end.</summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    public string Name { get; } = "test_" + Guid.NewGuid().ToString("N")[..12];

    public string ConnectionString { get; private set; } = "";

    ServerSettings? _servers;

    public async Task InitializeAsync()
    {
        _servers = await RealServers.EnsureStartedAsync();
        await ExecuteOnServerAsync($"CREATE DATABASE \"{Name}\"");
        ConnectionString = _servers.PostgresFor(Name);
        await using var db = CreateContext();
        await db.Database.MigrateAsync();
    }

    public WebhookDbContext CreateContext() =>
        new(new DbContextOptionsBuilder<WebhookDbContext>().UseNpgsql(ConnectionString).Options);

    public async Task DisposeAsync()
    {
        if (_servers is not null)
            await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
    }

    async Task ExecuteOnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_servers!.PostgresFor("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>How many times the customer has viewed any product, over all products.</summary>
    public async Task<int> ViewCountAsync(int customerId)
    {
        await using var db = CreateContext();
        return await db.ViewedProducts.Where(v => v.CustomerId == customerId).SumAsync(v => v.ViewCount);
    }

    /// <summary>A customer with an email showing <paramref name="productCount"/> new products; returns the email id.</summary>
    public async Task<(string EmailId, int CustomerId, int[] ProductIds)> AddEmailAsync(int productCount = 2)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        await using var db = CreateContext();
        var customer = new Customer { EmailAddress = $"c-{suffix}@example.com", Name = "Customer " + suffix };
        var products = Enumerable.Range(0, productCount).Select(i => new Product { Sku = $"{suffix}-{i}", Name = $"Product {i}" }).ToArray();
        db.AddRange(products);
        db.Add(customer);
        await db.SaveChangesAsync();
        var email = new Email { Id = "email-" + suffix, CustomerId = customer.Id, Subject = "Hello", SentAt = DateTimeOffset.UtcNow };
        email.Products.AddRange(products.Select(p => new EmailProduct { EmailId = email.Id, ProductId = p.Id }));
        db.Add(email);
        await db.SaveChangesAsync();
        return (email.Id, customer.Id, products.Select(p => p.Id).ToArray());
    }
}
