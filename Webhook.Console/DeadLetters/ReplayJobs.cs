using System.Collections.Concurrent;
using Webhook.Messaging;
using Webhook.Messaging.DeadLetters;

namespace Webhook.Console.DeadLetters;

/// <summary>
/// Replays started from the pages, run in the background so that a page can show their progress while they last
/// (a replay of thousands at 100 events/s takes minutes). One at a time: the messages one operation holds are
/// hidden from another. A replay stopped by the console's shutdown loses nothing (the broker gives back what it held).
/// The last few finished replays are kept for their pages.
/// </summary>
public sealed partial class ReplayJobs(IDeadLetters deadLetters, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<ReplayJobs> logger)
{
    const int Kept = 20;
    readonly ConcurrentDictionary<Guid, ReplayJob> _jobs = new();
    readonly Lock _starting = new();

    public ReplayJob? Find(Guid id) => _jobs.GetValueOrDefault(id);

    /// <summary>The replay that runs now, if any.</summary>
    public ReplayJob? Running => _jobs.Values.FirstOrDefault(j => !j.Finished);

    /// <summary>Starts a replay; null when one is running already.</summary>
    public ReplayJob? Start(DeadLetterSelection selection, double eventsPerSecond, int? expected)
    {
        lock (_starting)
        {
            if (Running is not null)
                return null;
            var job = new ReplayJob(Guid.NewGuid(), selection, eventsPerSecond, expected, time.GetUtcNow());
            _jobs[job.Id] = job;
            foreach (var old in _jobs.Values.Where(j => j.Finished).OrderByDescending(j => j.StartedAt).Skip(Kept))
                _jobs.TryRemove(old.Id, out _);
            _ = Task.Run(() => RunAsync(job));
            return job;
        }
    }

    async Task RunAsync(ReplayJob job)
    {
        try
        {
            var result = await deadLetters.ReplayAsync(job.Selection, job.EventsPerSecond, new Progress(job), lifetime.ApplicationStopping);
            job.Finish(result, result.Failure, time.GetUtcNow());
        }
        catch (Exception ex) when (ex is BrokerUnavailableException or OperationCanceledException)
        {
            job.Finish(job.Done, ex is OperationCanceledException ? "The console stopped; every event not replayed is still in the dead-letter queue." : ex.Message, time.GetUtcNow());
        }
        catch (Exception ex)
        {
            LogReplayFailed(logger, ex, job.Id);
            job.Finish(job.Done, $"The replay failed: {ex.Message} Every event not replayed is still in the dead-letter queue.", time.GetUtcNow());
        }
    }

    /// <summary>Reported on the thread that replays (not posted to a context, as Progress&lt;T&gt; would).</summary>
    sealed class Progress(ReplayJob job) : IProgress<ReplayResult>
    {
        public void Report(ReplayResult value) => job.Done = value;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Replay {JobId} from the console failed")]
    static partial void LogReplayFailed(ILogger logger, Exception exception, Guid jobId);
}

/// <summary>A replay started from the pages: what it was asked, what it has done so far, how it ended.</summary>
public sealed class ReplayJob(Guid id, DeadLetterSelection selection, double eventsPerSecond, int? expected, DateTimeOffset startedAt)
{
    public Guid Id => id;
    public DeadLetterSelection Selection => selection;
    public double EventsPerSecond => eventsPerSecond;

    /// <summary>Dead letters in the queue when it began (what it will examine at most).</summary>
    public int? Expected => expected;

    public DateTimeOffset StartedAt => startedAt;
    public DateTimeOffset? FinishedAt { get; private set; }
    public ReplayResult Done { get; set; } = new(0, 0);
    public string? Failure { get; private set; }
    public bool Finished => FinishedAt is not null;

    public void Finish(ReplayResult result, string? failure, DateTimeOffset at)
    {
        Done = result;
        Failure = failure;
        FinishedAt = at;
    }
}
