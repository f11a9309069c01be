using Microsoft.EntityFrameworkCore;
using Webhook.Processor.Data;

namespace Webhook.Tests.Processor.Data;

/// <summary>The migrations as a starting Processor knows them.</summary>
public class SchemaMigrationTests
{
    [Fact]
    public void Should_look_for_the_newest_of_the_committed_migrations()
    {
        // A migration added without moving Newest would let a Processor on a database without it start unmigrated.
        using var db = new WebhookDbContext(new DbContextOptionsBuilder<WebhookDbContext>().UseNpgsql("Host=127.0.0.1").Options);

        Assert.Equal(SchemaMigration.Newest, db.Database.GetMigrations().Order(StringComparer.Ordinal).Last());
    }
}
