using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Webhook.Slots;
using Webhook.Testing;
using Webhook.Tests.Servers.Fixtures;

namespace Webhook.Tests.Servers.Slots;

/// <summary>
/// The database slots on the real PostgreSQL: whoever takes them (one process or several, as replicas do), no more
/// than the limit are held at once, as PostgreSQL's own lock table shows; a session that dies gives its slot back, and
/// a statement's slot goes with its transaction.
/// </summary>
public class DatabaseSlotsTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    const int Limit = 3;

    static DatabaseSlots SlotsOn(NpgsqlDataSource dataSource) =>
        new(dataSource, SlotLocks.Statistics, Limit, TimeProvider.System, NullLogger.Instance);

    static StatementSlots Statements() => new(SlotLocks.Postgres, Limit, TimeProvider.System, NullLogger.Instance);

    Task<int> SlotsHeldAsync(int lockClass) => database.Database.ScalarAsync<int>(
        $"SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND classid = {lockClass} AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");

    [Fact]
    public async Task Should_never_hold_more_slots_than_the_limit_however_many_take_them_at_once()
    {
        var current = 0;
        var peak = 0;
        var peakInPostgres = 0;
        // A pool each, as replicas have.
        var work = Enumerable.Range(0, 4 * Limit).Select(async _ =>
        {
            await using var dataSource = database.CreateDataSource();
            await using (await SlotsOn(dataSource).TakeAsync(CancellationToken.None))
            {
                var now = Interlocked.Increment(ref current);
                Peaks.Raise(ref peak, now);
                Peaks.Raise(ref peakInPostgres, await SlotsHeldAsync(SlotLocks.Statistics));
                await Task.Delay(100);
                Interlocked.Decrement(ref current);
            }
        });

        await Task.WhenAll(work);

        Assert.Equal(Limit, peak);
        Assert.Equal(Limit, peakInPostgres);
        Assert.Equal(0, await SlotsHeldAsync(SlotLocks.Statistics));
    }

    [Fact]
    public async Task Should_give_the_slot_of_a_session_that_dies_to_the_next_one_waiting()
    {
        await using var dataSource = database.CreateDataSource();
        var slots = SlotsOn(dataSource);
        var held = new List<IAsyncDisposable>();
        for (var i = 0; i < Limit; i++)
            held.Add(await slots.TakeAsync(CancellationToken.None));
        Assert.Equal(Limit, await SlotsHeldAsync(SlotLocks.Statistics));

        var next = slots.TakeAsync(CancellationToken.None);
        await Task.Delay(300);
        Assert.False(next.IsCompleted, "A slot was taken while every one was held.");

        // A replica that dies: PostgreSQL ends its session, and its locks go with it.
        var pid = await database.Database.ScalarAsync<int>(
            $"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = {SlotLocks.Statistics} AND objid = {((DatabaseSlot)held[0]).Number} AND granted");
        await database.Database.ExecuteAsync($"SELECT pg_terminate_backend({pid})");
        await using (await next.WaitAsync(TimeSpan.FromSeconds(30)))
            Assert.Equal(Limit, await SlotsHeldAsync(SlotLocks.Statistics));

        // Giving back a slot whose session is gone is no error.
        foreach (var slot in held)
            await slot.DisposeAsync();
        Assert.Equal(0, await SlotsHeldAsync(SlotLocks.Statistics));
        NpgsqlConnection.ClearAllPools();
    }

    [Fact]
    public async Task Should_run_no_more_statements_under_their_slots_than_the_limit_and_free_each_slot_with_its_statement()
    {
        var statements = Statements();
        var peakInPostgres = 0;
        var running = true;
        var sampling = Task.Run(async () =>
        {
            while (Volatile.Read(ref running))
                Peaks.Raise(ref peakInPostgres, await SlotsHeldAsync(SlotLocks.Postgres));
        });

        // Each statement holds its slot for 100 ms, and sleeps only when it got one.
        var work = Enumerable.Range(0, 4 * Limit).Select(async _ =>
        {
            await using var dataSource = database.CreateDataSource();
            return await statements.RunAsync(async ct =>
            {
                await using var command = dataSource.CreateCommand(
                    $"WITH slot AS MATERIALIZED ({statements.Slot}) SELECT (SELECT s FROM slot), (SELECT pg_sleep(0.1) FROM slot)");
                await using var reader = await command.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                return reader.IsDBNull(0) ? (int?)null : reader.GetInt32(0);
            }, CancellationToken.None);
        }).ToList();
        var slotsTaken = await Task.WhenAll(work);
        Volatile.Write(ref running, false);
        await sampling;

        Assert.All(slotsTaken, s => Assert.InRange(s, 0, Limit - 1));
        Assert.InRange(peakInPostgres, 1, Limit);
        Assert.Equal(0, await SlotsHeldAsync(SlotLocks.Postgres));
    }

    [Fact]
    public async Task Should_not_run_a_statement_while_every_slot_is_held_elsewhere()
    {
        var statements = Statements();
        // Another replica's statements, holding every slot in their open transactions.
        await using var dataSource = database.CreateDataSource();
        var holders = new List<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)>();
        for (var i = 0; i < Limit; i++)
        {
            var connection = await dataSource.OpenConnectionAsync();
            var transaction = await connection.BeginTransactionAsync();
            await using var take = new NpgsqlCommand($"WITH slot AS MATERIALIZED ({statements.Slot}) SELECT count(*) FROM slot", connection, transaction);
            Assert.Equal(1L, await take.ExecuteScalarAsync());
            holders.Add((connection, transaction));
        }

        var attempts = 0;
        var run = statements.RunAsync(async ct =>
        {
            Interlocked.Increment(ref attempts);
            await using var command = dataSource.CreateCommand($"WITH slot AS MATERIALIZED ({statements.Slot}) SELECT s FROM slot");
            return await command.ExecuteScalarAsync(ct) is int s ? s : (int?)null;
        }, CancellationToken.None);
        await Task.Delay(300);
        Assert.False(run.IsCompleted, "A statement ran while every slot was held.");
        Assert.True(Volatile.Read(ref attempts) > 1, "The statement did not try again.");

        // One of them commits: its slot goes with its transaction.
        await holders[1].Transaction.CommitAsync();
        Assert.Equal(1, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        foreach (var (connection, transaction) in holders)
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
        Assert.Equal(0, await SlotsHeldAsync(SlotLocks.Postgres));
    }
}
