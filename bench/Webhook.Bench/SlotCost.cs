using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Webhook.Slots;

namespace Webhook.Bench;

/// <summary>
/// What the concurrency slots cost an event: the Processor's own <see cref="DatabaseSlots"/> (Webhook.Slots), taken and given back one
/// event after another on the run's database, beside what an event pays for its connection anyway (opened from the
/// pool and closed again). The difference is the slot's price: two round trips to PostgreSQL, on a slot that is free.
/// </summary>
public sealed record SlotCost(int Samples, double SlotP50Us, double SlotP99Us, double ConnectionP50Us, double ConnectionP99Us)
{
    public static async Task<SlotCost> MeasureAsync(string connectionString, int limit, int samples, CancellationToken ct)
    {
        await using var db = new DbContext(new DbContextOptionsBuilder().UseNpgsql(connectionString).Options);
        var slots = new DatabaseSlots(db, limit, TimeProvider.System, NullLogger<DatabaseSlots>.Instance);

        async Task Slot()
        {
            await using var slot = await slots.TakeAsync(ct);
        }

        async Task Connection()
        {
            await db.Database.OpenConnectionAsync(ct);
            await db.Database.CloseConnectionAsync();
        }

        // Warm the pool and the statements, then alternate, so that both see the same machine.
        for (var i = 0; i < 50; i++)
        {
            await Slot();
            await Connection();
        }
        var slot = new double[samples];
        var connection = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            slot[i] = await TimeAsync(Slot);
            connection[i] = await TimeAsync(Connection);
        }
        Array.Sort(slot);
        Array.Sort(connection);
        return new SlotCost(samples, Percentile(slot, 0.50), Percentile(slot, 0.99), Percentile(connection, 0.50), Percentile(connection, 0.99));
    }

    static async Task<double> TimeAsync(Func<Task> operation)
    {
        var started = Stopwatch.GetTimestamp();
        await operation();
        return Stopwatch.GetElapsedTime(started).TotalMicroseconds;
    }

    static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>The slot's own price per event: what it adds to the connection an event opens anyway.</summary>
    public double AddedP50Us => Math.Max(0, SlotP50Us - ConnectionP50Us);
}
