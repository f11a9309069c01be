using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Webhook.Processor.Data;
using Webhook.Processor.Options;
using Webhook.Tests.Servers.Fixtures;

namespace Webhook.Tests.Servers.Processor.Data;

public class InboxCleanupServiceTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Should_delete_in_batches_every_row_past_the_retention_but_those_kept_for_good()
    {
        var now = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
        var retained = Guid.NewGuid();
        await using (var db = database.CreateContext())
        {
            db.InboxMessages.AddRange(Enumerable.Range(0, InboxCleanupService.BatchSize * 2 + 5).Select(i =>
                new InboxMessage { EventId = Guid.NewGuid(), EventType = "Clicked", ProcessedAt = now.AddDays(-30).AddSeconds(i) }));
            db.InboxMessages.Add(new InboxMessage { EventId = retained, EventType = "Clicked", ProcessedAt = now.AddDays(-300), Retained = true });
            await db.SaveChangesAsync();
        }
        await using var dataSource = database.CreateDataSource();
        var cleanup = new InboxCleanupService(dataSource,
            Microsoft.Extensions.Options.Options.Create(new ProcessorOptions { InboxRetention = TimeSpan.FromDays(7) }),
            new FakeTimeProvider(now), NullLogger<InboxCleanupService>.Instance);

        var deleted = await cleanup.DeleteExpiredAsync(CancellationToken.None);

        await using var check = database.CreateContext();
        Assert.True(deleted >= InboxCleanupService.BatchSize * 2 + 5);
        Assert.False(await check.InboxMessages.AnyAsync(m => m.EventType == "Clicked" && !m.Retained));
        Assert.True(await check.InboxMessages.AnyAsync(m => m.EventId == retained));
    }

    [Fact]
    public async Task Should_delete_only_rows_older_than_the_retention()
    {
        var now = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
        var old = Guid.NewGuid();
        var recent = Guid.NewGuid();
        await using (var db = database.CreateContext())
        {
            db.InboxMessages.AddRange(
                new InboxMessage { EventId = old, EventType = "Opened", ProcessedAt = now.AddDays(-7).AddMinutes(-1) },
                new InboxMessage { EventId = recent, EventType = "Opened", ProcessedAt = now.AddDays(-6) });
            await db.SaveChangesAsync();
        }

        await using var dataSource = database.CreateDataSource();
        var cleanup = new InboxCleanupService(dataSource,
            Microsoft.Extensions.Options.Options.Create(new ProcessorOptions { InboxRetention = TimeSpan.FromDays(7) }),
            new FakeTimeProvider(now), NullLogger<InboxCleanupService>.Instance);

        var deleted = await cleanup.DeleteExpiredAsync(CancellationToken.None);

        await using var check = database.CreateContext();
        Assert.Equal(1, deleted);
        Assert.False(await check.InboxMessages.AnyAsync(m => m.EventId == old));
        Assert.True(await check.InboxMessages.AnyAsync(m => m.EventId == recent));
    }
}
