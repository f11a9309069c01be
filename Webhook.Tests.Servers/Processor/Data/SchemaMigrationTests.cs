using Microsoft.EntityFrameworkCore;
using Npgsql;
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
    public async Task Should_find_a_database_migrated_only_while_its_history_holds_the_newest_migration()
    {
        await using var database = new IsolatedDatabase(await LocalServers.EnsureTestServersAsync());
        await database.CreateAsync();
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);

        Assert.False(await DatabaseInitializer.IsMigratedAsync(dataSource, CancellationToken.None));
        Assert.Equal(0, await SchemaMigration.RunAsync([$"--ConnectionStrings:Postgres={database.ConnectionString}", SchemaMigration.Argument]));
        Assert.True(await DatabaseInitializer.IsMigratedAsync(dataSource, CancellationToken.None));

        // A database migrated by an older build: its Processor must run the migration.
        await database.ExecuteAsync("""DELETE FROM "__EFMigrationsHistory" WHERE "MigrationId" = $1""", CancellationToken.None, SchemaMigration.Newest);
        Assert.False(await DatabaseInitializer.IsMigratedAsync(dataSource, CancellationToken.None));
    }

    [Fact]
    public async Task Should_leave_the_decision_to_the_migration_when_postgresql_does_not_answer()
    {
        // Nothing listens on port 1: the connection is refused at once.
        await using var dataSource = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=nobody;Timeout=5");

        Assert.False(await DatabaseInitializer.IsMigratedAsync(dataSource, CancellationToken.None));
    }

    [Fact]
    public async Task Should_fail_at_once_when_the_connection_string_is_missing()
    {
        Assert.Equal(1, await SchemaMigration.RunAsync(["--ConnectionStrings:Postgres=", SchemaMigration.Argument]));
    }
}
