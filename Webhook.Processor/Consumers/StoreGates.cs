using Microsoft.Extensions.Options;
using Webhook.Processor.Options;

namespace Webhook.Processor.Consumers;

/// <summary>
/// This process's share of the bound, one gate per store: at most Processor:ConcurrencyLimit of its events in
/// PostgreSQL and as many in DynamoDB, whatever the broker hands it. The database slots hold the bound across
/// replicas; the gates keep a process from asking for more slots than it may hold.
/// </summary>
public sealed class StoreGates(IOptions<ProcessorOptions> options) : IDisposable
{
    readonly SemaphoreSlim _postgres = new(options.Value.ConcurrencyLimit);
    readonly SemaphoreSlim _statistics = new(options.Value.ConcurrencyLimit);

    /// <summary>Waits until fewer than the limit of this process's events are in PostgreSQL; disposing lets the next in.</summary>
    public Task<Gate> PostgresAsync(CancellationToken cancellationToken) => EnterAsync(_postgres, cancellationToken);

    /// <summary>The same for the statistics in DynamoDB.</summary>
    public Task<Gate> StatisticsAsync(CancellationToken cancellationToken) => EnterAsync(_statistics, cancellationToken);

    static async Task<Gate> EnterAsync(SemaphoreSlim semaphore, CancellationToken cancellationToken)
    {
        await semaphore.WaitAsync(cancellationToken);
        return new Gate(semaphore);
    }

    public void Dispose()
    {
        _postgres.Dispose();
        _statistics.Dispose();
    }

    /// <summary>A place inside a gate.</summary>
    public readonly struct Gate(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }
}
