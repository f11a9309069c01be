using Microsoft.EntityFrameworkCore;
using Webhook.Processor.Data;
using Webhook.Testing;
using Webhook.Tests.Servers.Fixtures;

namespace Webhook.Tests.Servers.Processor.Data;

/// <summary><c>Webhook.Processor --migrate</c> against a new database of the test PostgreSQL.</summary>
public class SchemaMigrationTests
{
    [Fact]
    public async Task Should_apply_every_migration_and_seed_the_sample_data_once_however_often_it_runs()
    {
        await using var database = new IsolatedDatabase(await LocalServers.EnsureTestServersAsync());
        await database.CreateAsync();
        string[] args = [$"--ConnectionStrings:Postgres={database.ConnectionString}", "--Processor:SeedSampleData=true", SchemaMigration.Argument];

        Assert.Equal(0, await SchemaMigration.RunAsync(args));
        Assert.Equal(0, await SchemaMigration.RunAsync(args));

        await using var db = new WebhookDbContext(new DbContextOptionsBuilder<WebhookDbContext>().UseNpgsql(database.ConnectionString).Options);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Equal(3, await db.Customers.CountAsync());
        Assert.Equal(0, await db.InboxMessages.CountAsync());
    }

    [Fact]
    public async Task Should_fail_at_once_when_the_connection_string_is_missing()
    {
        Assert.Equal(1, await SchemaMigration.RunAsync(["--ConnectionStrings:Postgres=", SchemaMigration.Argument]));
    }
}
