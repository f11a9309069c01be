using Microsoft.EntityFrameworkCore;
using Webhook.Processor.Data;
using Webhook.Testing;

namespace Webhook.Tests.Servers.Fixtures;

/// <summary>A database of its own on the test PostgreSQL, migrated with the committed migrations, dropped at the end.</summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    IsolatedDatabase? _database;

    public IsolatedDatabase Database => _database ?? throw new InvalidOperationException("Not initialized.");

    public string ConnectionString => Database.ConnectionString;

    public async Task InitializeAsync()
    {
        _database = new IsolatedDatabase(await LocalServers.EnsureTestServersAsync());
        await _database.CreateAsync();
        await using var db = CreateContext();
        await db.Database.MigrateAsync();
    }

    /// <summary>A pool of connections to this database, as the Processor keeps one.</summary>
    public Npgsql.NpgsqlDataSource CreateDataSource() => Npgsql.NpgsqlDataSource.Create(ConnectionString);

    public WebhookDbContext CreateContext() =>
        new(new DbContextOptionsBuilder<WebhookDbContext>().UseNpgsql(ConnectionString).Options);

    public async Task DisposeAsync()
    {
        if (_database is not null)
            await _database.DisposeAsync();
    }

    /// <summary>A customer with an email showing <paramref name="productCount"/> new products.</summary>
    public Task<(string EmailId, int CustomerId, int[] ProductIds)> AddEmailAsync(int productCount = 2) => Database.AddEmailAsync(productCount);
}
