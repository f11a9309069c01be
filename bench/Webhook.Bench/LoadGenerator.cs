using System.Diagnostics;

namespace Webhook.Bench;

/// <summary>One operation's outcome: when it started (since the recording began), how long it took, its status (0: no answer).</summary>
public readonly record struct Sample(double StartSeconds, double LatencyMs, int Status);

/// <summary>What a load run recorded: every operation, the wall time, and the events each successful operation carried.</summary>
public sealed class Recording(IReadOnlyList<Sample> samples, double seconds, int eventsPerOperation)
{
    public IReadOnlyList<Sample> Samples { get; } = samples;

    public double Seconds { get; } = seconds;

    public int EventsPerOperation { get; } = eventsPerOperation;

    public static Recording Combine(IReadOnlyList<Recording> parts) =>
        new(parts.SelectMany(p => p.Samples).ToList(), parts.Sum(p => p.Seconds), parts[0].EventsPerOperation);
}

/// <summary>
/// What a worker does for operation number n (0-based), returning its status: awaited on the thread pool, or run on a
/// thread of the worker's own that blocks until it is done (the HTTP targets, <see cref="Http11Client"/>).
/// </summary>
public sealed class Operation
{
    Operation(Func<long, CancellationToken, Task<int>>? awaited, Func<long, int>? blocking) => (Awaited, Blocking) = (awaited, blocking);

    public Func<long, CancellationToken, Task<int>>? Awaited { get; }

    public Func<long, int>? Blocking { get; }

    public static Operation Async(Func<long, CancellationToken, Task<int>> operation) => new(operation, null);

    public static Operation OnThreads(Func<long, int> operation) => new(null, operation);

    /// <summary>POSTs request n on the client's connections, from the workers' own threads.</summary>
    public static Operation Post(Http11Client client, Func<long, LoadRequest> request) => OnThreads(n => client.Send(request(n)));
}

/// <summary>
/// A closed-loop load: N workers, each starting its next operation when the last one answered, for a duration or until
/// a number of operations has been started. HTTP goes through one <see cref="Http11Client"/> per target, whose
/// connections are kept alive and reused: N workers keep N connections busy, as a provider's N delivery connections would.
/// </summary>
public static class LoadGenerator
{
    /// <param name="operation">Runs operation number n (0-based) and returns its status.</param>
    /// <param name="perSecond">
    /// When set, operation n starts no sooner than n / perSecond seconds after the beginning (still at most
    /// <paramref name="workers"/> at once): the same load at a given rate instead of as fast as it is answered.
    /// </param>
    public static async Task<Recording> RunAsync(int workers, TimeSpan? duration, long? count, int eventsPerOperation,
        Operation operation, CancellationToken ct, double? perSecond = null)
    {
        var clock = Stopwatch.StartNew();
        var stopAt = duration is { } d ? d.TotalSeconds : double.MaxValue;
        long next = -1;
        var perWorker = new List<Sample>[workers];

        // The next operation's number and how long before its time it is, or null when the load is over.
        (long N, double Early)? Claim()
        {
            if (ct.IsCancellationRequested)
                return null;
            var n = Interlocked.Increment(ref next);
            if (count is { } c && n >= c)
                return null;
            return (n, perSecond is { } rate ? n / rate - clock.Elapsed.TotalSeconds : 0);
        }

        // When the operation starts, or null when the duration is over.
        double? Start()
        {
            var start = clock.Elapsed.TotalSeconds;
            return start < stopAt ? start : null;
        }

        void Record(List<Sample> samples, double start, int status) =>
            samples.Add(new Sample(start, (clock.Elapsed.TotalSeconds - start) * 1000, status));

        async Task Await(int worker, Func<long, CancellationToken, Task<int>> run)
        {
            var samples = perWorker[worker] = new List<Sample>(4096);
            while (Claim() is var (n, early))
            {
                if (early > 0.001)
                    await Task.Delay(TimeSpan.FromSeconds(early), ct);
                if (Start() is not { } start)
                    break;
                Record(samples, start, await run(n, ct));
            }
        }

        void Block(int worker, Func<long, int> run)
        {
            var samples = perWorker[worker] = new List<Sample>(4096);
            while (Claim() is var (n, early))
            {
                if (early > 0.001)
                    Thread.Sleep(TimeSpan.FromSeconds(early));
                if (Start() is not { } start)
                    break;
                Record(samples, start, run(n));
            }
        }

        if (operation.Blocking is { } blocking)
            await Task.WhenAll(Enumerable.Range(0, workers).Select(w => OnThreadAsync(() => Block(w, blocking))));
        else
            await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => Await(w, operation.Awaited!), ct)));
        var seconds = clock.Elapsed.TotalSeconds;
        ct.ThrowIfCancellationRequested();
        return new Recording(perWorker.SelectMany(s => s).OrderBy(s => s.StartSeconds).ToList(), seconds, eventsPerOperation);
    }

    /// <summary>Runs the work on a new thread of its own; the task completes when it has.</summary>
    static Task OnThreadAsync(Action work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                work();
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }) { IsBackground = true, Name = "load worker" }.Start();
        return done.Task;
    }
}

/// <summary>Latency and throughput figures of a recording.</summary>
public sealed record LoadFigures(double EventsPerSecond, double RequestsPerSecond, double P50, double P90, double P99, double Max,
    long Operations, long Succeeded, IReadOnlyDictionary<int, long> Errors, double Seconds)
{
    public static LoadFigures Of(Recording recording, int successStatus = 202)
    {
        var samples = recording.Samples;
        var latencies = samples.Select(s => s.LatencyMs).Order().ToArray();
        var ok = samples.LongCount(s => s.Status == successStatus);
        var errors = samples.Where(s => s.Status != successStatus).GroupBy(s => s.Status).ToDictionary(g => g.Key, g => g.LongCount());
        return new LoadFigures(
            ok * recording.EventsPerOperation / recording.Seconds,
            samples.Count / recording.Seconds,
            Percentile(latencies, 0.50), Percentile(latencies, 0.90), Percentile(latencies, 0.99),
            latencies.Length == 0 ? 0 : latencies[^1],
            samples.Count, ok, errors, recording.Seconds);
    }

    public long ErrorCount => Errors.Values.Sum();

    public string ErrorText => Errors.Count == 0 ? "0" :
        string.Join(", ", Errors.OrderBy(e => e.Key).Select(e => $"{e.Value} × {(e.Key == 0 ? "no answer" : e.Key.ToString(System.Globalization.CultureInfo.InvariantCulture))}"));

    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
