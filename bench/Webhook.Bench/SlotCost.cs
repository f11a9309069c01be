using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Webhook.Slots;

namespace Webhook.Bench;

/// <summary>
/// What the concurrency slots cost an event, on the run's database with every slot free, one after another:
/// PostgreSQL's slot, taken inside the event's own statement (<see cref="StatementSlots"/>), beside the same statement
/// without it; and the statistics' slot, a session of its own holding an advisory lock (<see cref="DatabaseSlots"/>),
/// beside a connection opened from the pool and closed.
/// </summary>
public sealed record SlotCost(int Samples, Percentiles InStatement, Percentiles StatementAlone, Percentiles Session, Percentiles Connection)
{
    public static async Task<SlotCost> MeasureAsync(string connectionString, int limit, int samples, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var statements = new StatementSlots(SlotLocks.Postgres, limit, TimeProvider.System, NullLogger.Instance);
        var sessions = new DatabaseSlots(dataSource, SlotLocks.Statistics, limit, TimeProvider.System, NullLogger.Instance);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var withSlot = new NpgsqlCommand($"WITH slot AS MATERIALIZED ({statements.Slot}) SELECT count(*) FROM slot", connection);
        await using var alone = new NpgsqlCommand("SELECT 1::bigint", connection);
        await withSlot.PrepareAsync(ct);
        await alone.PrepareAsync(ct);

        async Task InStatement() => await withSlot.ExecuteScalarAsync(ct);
        async Task Alone() => await alone.ExecuteScalarAsync(ct);
        async Task Session()
        {
            await using var slot = await sessions.TakeAsync(ct);
        }
        async Task Connection()
        {
            await using var c = await dataSource.OpenConnectionAsync(ct);
        }

        // Warm the pool and the statements, then alternate, so that each pair sees the same machine.
        Func<Task>[] operations = [InStatement, Alone, Session, Connection];
        for (var i = 0; i < 50; i++)
            foreach (var operation in operations)
                await operation();
        var times = operations.Select(_ => new double[samples]).ToArray();
        for (var i = 0; i < samples; i++)
            for (var o = 0; o < operations.Length; o++)
                times[o][i] = await TimeAsync(operations[o]);
        var p = times.Select(Percentiles.Of).ToArray();
        return new SlotCost(samples, p[0], p[1], p[2], p[3]);
    }

    static async Task<double> TimeAsync(Func<Task> operation)
    {
        var started = Stopwatch.GetTimestamp();
        await operation();
        return Stopwatch.GetElapsedTime(started).TotalMicroseconds;
    }

    /// <summary>What PostgreSQL's slot adds to the event's statement, inside the slot (p50).</summary>
    public double InStatementAddedP50Us => Math.Max(0, InStatement.P50Us - StatementAlone.P50Us);

    /// <summary>What the statistics' slot adds to the event's DynamoDB write, outside PostgreSQL's slot (p50).</summary>
    public double SessionAddedP50Us => Math.Max(0, Session.P50Us - Connection.P50Us);
}

/// <summary>The median and the 99th percentile of a sample, in µs.</summary>
public sealed record Percentiles(double P50Us, double P99Us)
{
    public static Percentiles Of(double[] sample)
    {
        var sorted = sample.Order().ToArray();
        return new Percentiles(At(sorted, 0.50), At(sorted, 0.99));
    }

    static double At(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
