using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Webhook.Processor.Data;
using Webhook.Slots;
using Webhook.Tests.Servers.Fixtures;

namespace Webhook.Tests.Servers.Slots;

/// <summary>
/// The database slots on the real PostgreSQL: whoever takes them (one process or several, as replicas do), no more
/// than the limit are held at once, as PostgreSQL's own lock table shows, and a session that dies gives its slot back.
/// </summary>
public class DatabaseSlotsTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    const int Limit = 3;

    static DatabaseSlots SlotsOn(WebhookDbContext db) => new(db, Limit, TimeProvider.System, NullLogger<DatabaseSlots>.Instance);

    Task<int> SlotsHeldAsync() => database.Database.ScalarAsync<int>(
        $"SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND classid = {DatabaseSlots.LockClass} AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");

    [Fact]
    public async Task Should_never_hold_more_slots_than_the_limit_however_many_take_them_at_once()
    {
        var current = 0;
        var peak = 0;
        var peakInPostgres = 0;
        var work = Enumerable.Range(0, 4 * Limit).Select(async _ =>
        {
            await using var db = database.CreateContext();
            await using (await SlotsOn(db).TakeAsync(CancellationToken.None))
            {
                var now = Interlocked.Increment(ref current);
                InterlockedMax(ref peak, now);
                InterlockedMax(ref peakInPostgres, await SlotsHeldAsync());
                await Task.Delay(100);
                Interlocked.Decrement(ref current);
            }
        });

        await Task.WhenAll(work);

        Assert.Equal(Limit, peak);
        Assert.Equal(Limit, peakInPostgres);
        Assert.Equal(0, await SlotsHeldAsync());
    }

    [Fact]
    public async Task Should_give_the_slot_of_a_session_that_dies_to_the_next_one_waiting()
    {
        var holders = new List<(WebhookDbContext Db, IAsyncDisposable Slot)>();
        for (var i = 0; i < Limit; i++)
        {
            var db = database.CreateContext();
            holders.Add((db, await SlotsOn(db).TakeAsync(CancellationToken.None)));
        }
        Assert.Equal(Limit, await SlotsHeldAsync());

        await using var waiting = database.CreateContext();
        var next = SlotsOn(waiting).TakeAsync(CancellationToken.None);
        await Task.Delay(300);
        Assert.False(next.IsCompleted, "A slot was taken while every one was held.");

        // A replica that dies: PostgreSQL ends its session, and its locks go with it.
        var pid = await holders[0].Db.Database.SqlQueryRaw<int>("SELECT pg_backend_pid() AS \"Value\"").SingleAsync();
        await database.Database.ExecuteAsync($"SELECT pg_terminate_backend({pid})");
        await using (await next.WaitAsync(TimeSpan.FromSeconds(30)))
            Assert.Equal(Limit, await SlotsHeldAsync());

        // Giving back a slot whose session is gone is no error.
        foreach (var (db, slot) in holders)
        {
            await slot.DisposeAsync();
            await db.DisposeAsync();
        }
        Assert.Equal(0, await SlotsHeldAsync());
        NpgsqlConnection.ClearAllPools();
    }

    static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
