using System.Collections.Concurrent;
using System.Diagnostics;

namespace Webhook.Testing;

/// <summary>
/// One scenario of a fault suite: a stream of signed events sent like a provider sends them (every webhook retried
/// until acknowledged) while something fails, then every store audited. The fault is given the sender and a way to say
/// when it ended (<see cref="FaultContext.Ended"/>), from which the time until events are applied again is measured.
/// </summary>
public static class FaultScenario
{
    public const int EmailCount = 20;

    /// <summary>How long the concurrency probe holds each event's transaction.</summary>
    public static readonly TimeSpan ProbeHold = TimeSpan.FromMilliseconds(10);

    /// <param name="streamFor">
    /// The least time the stream lasts (the rate is lowered to make it so): for a fault that must meet traffic, like a
    /// broker that takes seconds to stop.
    /// </param>
    public static async Task<FaultOutcome> RunAsync(string scenario, RunningSystem system, Func<FaultContext, Task> fault,
        Func<RunningSystem, Task>? during = null, TimeSpan? streamFor = null)
    {
        await ConcurrencyProbe.InstallAsync(system.Database, ProbeHold);
        var emails = await system.AddEmailsAsync(EmailCount);
        var sender = new ProviderSender(system.Client, emails);
        var requests = FaultReport.Events / sender.EventsPerRequest;
        using var applied = new AppliedWatch(system.Database);

        var rate = streamFor is { } least ? Math.Min(FaultReport.RequestsPerSecond, requests / least.TotalSeconds) : FaultReport.RequestsPerSecond;
        var context = new FaultContext(sender);
        var faultOver = false;
        // The stream goes on until the fault is over, however long its steps take on a busy machine.
        var sending = sender.SendAsync(requests, rate, continueWhile: () => !Volatile.Read(ref faultOver));
        await sender.WaitForAcknowledgedAsync(requests / 3);
        try
        {
            await fault(context);
            if (during is not null)
                await during(system);
        }
        finally
        {
            Volatile.Write(ref faultOver, true);
        }
        await sending;
        var acknowledged = sender.AcknowledgedRequests * sender.EventsPerRequest;
        await system.WaitUntilAppliedAsync(acknowledged);
        var limit = int.Parse(system.Environment["Processor__ConcurrencyLimit"], System.Globalization.CultureInfo.InvariantCulture);
        // A replica has twice the limit in hand: those may still commit after the fault without work having resumed.
        var recovery = context.EndedAt is { } ended ? applied.AppliedAgainAfter(ended, 2 * limit) : null;
        await system.SettleAsync(startAgain: false);

        var audit = await StoreAudit.TakeAsync(system, emails);
        var deadLettered = (int)await system.ReadyMessagesAsync(RunningSystem.ErrorQueueName);
        var peak = await ConcurrencyProbe.PeakAsync(system.Database);
        var peakSessions = await ConcurrencyProbe.PeakSessionsAsync(system.Database);
        return new FaultOutcome(scenario, sender.SentRequests * sender.EventsPerRequest, acknowledged, sender.RetriedRequests, audit, deadLettered, peak,
            recovery, context.EndedWhat, sender.StatusCounts, peakSessions);
    }

    /// <summary>The counts of applied events, sampled every 100 ms while the scenario runs.</summary>
    sealed class AppliedWatch : IDisposable
    {
        readonly ConcurrentQueue<(long Ticks, int Applied)> _samples = new();
        readonly CancellationTokenSource _stop = new();
        readonly Task _sampling;

        public AppliedWatch(IsolatedDatabase database)
        {
            _sampling = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        _samples.Enqueue((Stopwatch.GetTimestamp(), await database.AppliedEventsAsync()));
                    }
                    catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
                    {
                        // PostgreSQL is the fault of this scenario: no sample now.
                    }
                    try
                    {
                        await Task.Delay(100, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            });
        }

        /// <summary>
        /// From <paramref name="from"/> to the first sample with more than <paramref name="inFlight"/> events applied
        /// beyond those applied then: the events a replica had in hand at that moment may still commit, and do not
        /// count as work resumed. Null when that many were never applied after it.
        /// </summary>
        public TimeSpan? AppliedAgainAfter(long from, int inFlight)
        {
            var samples = _samples.ToArray();
            var before = samples.LastOrDefault(s => s.Ticks <= from);
            foreach (var sample in samples.Where(s => s.Ticks > from))
            {
                if (sample.Applied > before.Applied + inFlight)
                    return Stopwatch.GetElapsedTime(from, sample.Ticks);
            }
            return null;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _sampling.Wait(TimeSpan.FromSeconds(5));
            _stop.Dispose();
        }
    }
}

/// <summary>What a fault is given: the sender, and where it says its fault ended.</summary>
public sealed class FaultContext(ProviderSender sender)
{
    public ProviderSender Sender => sender;

    public long? EndedAt { get; private set; }

    public string EndedWhat { get; private set; } = "";

    /// <summary>The fault is over now (a node is back, or a replica was lost and the rest must take over): <paramref name="what"/> says which.</summary>
    public void Ended(string what)
    {
        EndedAt = Stopwatch.GetTimestamp();
        EndedWhat = what;
    }
}
