using Microsoft.Extensions.Logging;

namespace Webhook.Slots;

/// <summary>
/// Tries to take a slot until one is free: the waits double from 10 ms to 200 ms, and a warning says so once every
/// slot has been taken for 10 s.
/// </summary>
sealed partial class SlotWait(int limit, TimeProvider time, ILogger logger, Action<TimeSpan>? taken)
{
    static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(10);
    static readonly TimeSpan LongestWait = TimeSpan.FromMilliseconds(200);
    static readonly TimeSpan LongWait = TimeSpan.FromSeconds(10);

    public int Limit { get; } = limit > 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit), limit, "At least one slot.");

    /// <summary>Runs <paramref name="tryTake"/> until it returns a value: null means every slot was taken.</summary>
    public async Task<T> UntilTakenAsync<T>(Func<CancellationToken, Task<T?>> tryTake, CancellationToken cancellationToken)
        where T : struct
    {
        var started = time.GetTimestamp();
        var wait = FirstWait;
        var warned = false;
        while (true)
        {
            if (await tryTake(cancellationToken) is { } result)
            {
                taken?.Invoke(time.GetElapsedTime(started));
                return result;
            }
            if (!warned && time.GetElapsedTime(started) > LongWait)
            {
                warned = true;
                LogWaiting(logger, Limit, LongWait);
            }
            await Task.Delay(wait, time, cancellationToken);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestWait.Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Every one of the {Limit} database slots has been taken for over {Waited}: the events in hand wait. Another Processor replica that lost its broker connection may still be finishing its events, or replicas run with different Processor:ConcurrencyLimit settings")]
    static partial void LogWaiting(ILogger logger, int limit, TimeSpan waited);
}
