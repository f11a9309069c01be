using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Webhook.Processor.Options;
using Webhook.Slots;
using Webhook.Testing;
using Webhook.Tests.Servers.Fixtures;

namespace Webhook.Tests.Servers.Testing;

/// <summary>
/// The fault suites' measure of the bound (<see cref="ConcurrencyProbe"/>) on the real PostgreSQL, with sessions put
/// by hand into the states a Processor's sessions pass through: what it counts is work on events, and only that.
/// </summary>
public class ConcurrencyProbeTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    const int Limit = 3;

    readonly StatementSlots _slots = new(SlotLocks.Postgres, Limit, TimeProvider.System, NullLogger.Instance);

    /// <summary>A session named as the Processor names its sessions, so that the probe looks at it.</summary>
    async Task<NpgsqlConnection> ProcessorSessionAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            ApplicationName = PostgresOptions.ApplicationName,
            Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    static async Task<T?> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T?)await command.ExecuteScalarAsync();
    }

    /// <summary>An event's first write, as the Processor's statement makes it: under a slot taken in the statement.</summary>
    Task<int> InsertEventAsync(NpgsqlConnection connection) => ScalarAsync<int>(connection, $"""
        WITH slot AS MATERIALIZED ({_slots.Slot}),
        claim AS (
            INSERT INTO inbox_messages (event_id, event_type, processed_at, retained)
            SELECT gen_random_uuid(), 'opened', now(), false FROM slot
            RETURNING event_id
        )
        SELECT count(*)::int FROM claim
        """);

    [Fact]
    public async Task Should_count_the_sessions_under_a_slot_and_those_in_other_statements_but_not_one_left_without_a_slot()
    {
        await ConcurrencyProbe.InstallAsync(database.Database, TimeSpan.Zero);

        // Two events at work, each holding its slot.
        await using var first = await ProcessorSessionAsync();
        await using var second = await ProcessorSessionAsync();
        await using var firstEvent = await first.BeginTransactionAsync();
        await using var secondEvent = await second.BeginTransactionAsync();
        Assert.True(await ScalarAsync<bool>(first, $"SELECT pg_try_advisory_xact_lock({SlotLocks.Postgres}, 0)"));
        Assert.True(await ScalarAsync<bool>(second, $"SELECT pg_try_advisory_xact_lock({SlotLocks.Postgres}, 1)"));

        // A session whose event's statement found every slot taken, still inside its transaction: so is a session
        // between giving its slot back and leaving its transaction. The last slot is held meanwhile by someone else.
        await using var blocker = new NpgsqlConnection(database.ConnectionString);
        await blocker.OpenAsync();
        await using var blocking = await blocker.BeginTransactionAsync();
        Assert.True(await ScalarAsync<bool>(blocker, $"SELECT pg_try_advisory_xact_lock({SlotLocks.Postgres}, 2)"));
        await using var refused = await ProcessorSessionAsync();
        await using var refusedEvent = await refused.BeginTransactionAsync();
        Assert.Equal(0L, await ScalarAsync<long>(refused, $"WITH slot AS MATERIALIZED ({_slots.Slot}) SELECT count(*) FROM slot"));
        await blocking.CommitAsync();

        // The third event takes the last slot: three at work, not four.
        await using var third = await ProcessorSessionAsync();
        Assert.Equal(1, await InsertEventAsync(third));
        Assert.Equal(Limit, await ConcurrencyProbe.PeakAsync(database.Database));

        // The session without a slot goes on to another statement inside its transaction: that is work the slots
        // do not bound, and the probe counts it.
        Assert.Equal(1, await ScalarAsync<int>(refused, "SELECT count(*)::int FROM inbox_messages"));
        Assert.Equal(1, await InsertEventAsync(third));
        Assert.Equal(Limit + 1, await ConcurrencyProbe.PeakAsync(database.Database));
        Assert.Contains("holding no slot", await ConcurrencyProbe.PeakSessionsAsync(database.Database));
    }
}
