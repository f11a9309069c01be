using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Webhook.Processor.Consumers;
using Webhook.Processor.Data;
using Webhook.Processor.Options;

namespace Webhook.Bench;

/// <summary>
/// What the concurrency slots cost an event: the Processor's own <see cref="DatabaseSlots"/>, taken and given back one
/// event after another on the run's database, beside what an event pays for its connection anyway (opened from the
/// pool and closed again). The difference is the slot's price: two round trips to PostgreSQL, on a slot that is free.
/// </summary>
public sealed record SlotCost(int Samples, double SlotP50Us, double SlotP99Us, double ConnectionP50Us, double ConnectionP99Us)
{
    public static async Task<SlotCost> MeasureAsync(string connectionString, int limit, int samples, CancellationToken ct)
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new ProcessingMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var options = new DbContextOptionsBuilder<WebhookDbContext>().UseNpgsql(PostgresOptions.Bounded(connectionString, limit)).Options;
        await using var db = new WebhookDbContext(options);
        var slots = new DatabaseSlots(db, Options.Create(new ProcessorOptions { ConcurrencyLimit = limit }), metrics, TimeProvider.System,
            NullLogger<DatabaseSlots>.Instance);

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
