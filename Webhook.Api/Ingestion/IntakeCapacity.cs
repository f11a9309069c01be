using Microsoft.Extensions.Options;
using Webhook.Api.Options;

namespace Webhook.Api.Ingestion;

/// <summary>
/// What one API process holds at most, whatever its clients send: request bodies in memory
/// (Webhooks:MaxBufferedBodyBytes) and events awaiting the broker's confirmation (Webhooks:MaxPendingEvents). A
/// request that would take more is answered 503 with Retry-After, so the provider keeps its events and comes back,
/// instead of the process running out of memory under a flood of slow or large requests.
/// </summary>
public sealed class IntakeCapacity(IOptions<WebhookOptions> options)
{
    readonly long _maxBytes = options.Value.MaxBufferedBodyBytes;
    readonly long _maxEvents = options.Value.MaxPendingEvents;
    long _bytes;
    long _events;

    public long BufferedBytes => Interlocked.Read(ref _bytes);

    public long PendingEvents => Interlocked.Read(ref _events);

    public bool TryReserveBytes(int bytes) => TryReserve(ref _bytes, bytes, _maxBytes);

    public void ReleaseBytes(int bytes) => Interlocked.Add(ref _bytes, -bytes);

    /// <summary>Reserves room for <paramref name="events"/>; a request larger than the whole limit alone is let through when nothing else waits.</summary>
    public bool TryReserveEvents(int events) => TryReserve(ref _events, events, _maxEvents);

    public void ReleaseEvents(int events) => Interlocked.Add(ref _events, -events);

    static bool TryReserve(ref long held, long amount, long max)
    {
        while (true)
        {
            var current = Interlocked.Read(ref held);
            if (current + amount > max && current > 0)
                return false;
            if (Interlocked.CompareExchange(ref held, current + amount, current) == current)
                return true;
        }
    }
}
