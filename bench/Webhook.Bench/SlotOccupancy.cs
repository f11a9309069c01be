using Npgsql;
using Webhook.Slots;

namespace Webhook.Bench;

/// <summary>
/// How many of each store's slots were held, sampled from <c>pg_locks</c> while the Processor drains: PostgreSQL's
/// (the statements' transaction locks) and the statistics' (the DynamoDB writes' session locks). By Little's law, the
/// slots held on average over the events applied per second is how long an event holds a store's slot; the store whose
/// slots are nearly always all taken is the one that bounds the drain.
/// </summary>
public sealed record SlotOccupancy(int Samples, StoreOccupancy Postgres, StoreOccupancy Statistics)
{
    /// <summary>One sample every this often: 50 small queries a second, next to the drain's 150 statements.</summary>
    static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    static readonly string Query = $"""
        SELECT count(*) FILTER (WHERE classid = {(uint)SlotLocks.Postgres}), count(*) FILTER (WHERE classid = {(uint)SlotLocks.Statistics})
        FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 2
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        """;

    /// <summary>Samples until <paramref name="stop"/> is cancelled, on a session of its own.</summary>
    public static async Task<SlotOccupancy> SampleAsync(string connectionString, int limit, CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(Query, connection);
        await command.PrepareAsync(CancellationToken.None);
        var postgres = new long[limit + 1];
        var statistics = new long[limit + 1];
        var samples = 0;
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
                await reader.ReadAsync(CancellationToken.None);
                postgres[Math.Min(limit, reader.GetInt64(0))]++;
                statistics[Math.Min(limit, reader.GetInt64(1))]++;
                samples++;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        return new SlotOccupancy(samples, StoreOccupancy.Of(postgres, samples), StoreOccupancy.Of(statistics, samples));
    }
}

/// <summary>A store's slots over the samples: how many were held on average, and how often every one of them was.</summary>
public sealed record StoreOccupancy(double MeanHeld, double AllHeld)
{
    public static StoreOccupancy Of(long[] histogram, int samples)
    {
        if (samples == 0)
            return new StoreOccupancy(0, 0);
        var held = 0.0;
        for (var n = 0; n < histogram.Length; n++)
            held += n * histogram[n];
        return new StoreOccupancy(held / samples, (double)histogram[^1] / samples);
    }

    /// <summary>How long an event held one of the store's slots, by Little's law, at <paramref name="eventsPerSecond"/>.</summary>
    public double MillisecondsPerEvent(double eventsPerSecond) => eventsPerSecond > 0 ? MeanHeld * 1000 / eventsPerSecond : 0;
}
