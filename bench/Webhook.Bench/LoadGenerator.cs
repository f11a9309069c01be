using System.Diagnostics;
using System.Net;

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
/// A closed-loop load: N workers, each starting its next operation when the last one answered, for a duration or until
/// a number of operations has been started. HTTP goes through one SocketsHttpHandler per target with at most N
/// connections, so N workers keep N connections busy, as a provider's N delivery connections would.
/// </summary>
public static class LoadGenerator
{
    public static HttpClient HttpClientFor(Uri baseAddress, int connections) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromMinutes(5),
            DefaultRequestVersion = HttpVersion.Version11,
        };

    /// <summary>POSTs the request and returns the status code, or 0 when no answer came.</summary>
    public static async Task<int> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
        finally
        {
            request.Dispose();
        }
    }

    /// <param name="operation">Runs operation number n (0-based) and returns its status.</param>
    /// <param name="perSecond">
    /// When set, operation n starts no sooner than n / perSecond seconds after the beginning (still at most
    /// <paramref name="workers"/> at once): the same load at a given rate instead of as fast as it is answered.
    /// </param>
    public static async Task<Recording> RunAsync(int workers, TimeSpan? duration, long? count, int eventsPerOperation,
        Func<long, CancellationToken, Task<int>> operation, CancellationToken ct, double? perSecond = null)
    {
        var clock = Stopwatch.StartNew();
        var stopAt = duration is { } d ? d.TotalSeconds : double.MaxValue;
        long next = -1;
        var perWorker = new List<Sample>[workers];

        async Task Work(int worker)
        {
            var samples = perWorker[worker] = new List<Sample>(4096);
            while (!ct.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref next);
                if (count is { } c && n >= c)
                    break;
                var early = perSecond is { } rate ? n / rate - clock.Elapsed.TotalSeconds : 0;
                if (early > 0.001)
                    await Task.Delay(TimeSpan.FromSeconds(early), ct);
                var start = clock.Elapsed.TotalSeconds;
                if (start >= stopAt)
                    break;
                var status = await operation(n, ct);
                samples.Add(new Sample(start, (clock.Elapsed.TotalSeconds - start) * 1000, status));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => Work(w), ct)));
        var seconds = clock.Elapsed.TotalSeconds;
        ct.ThrowIfCancellationRequested();
        return new Recording(perWorker.SelectMany(s => s).OrderBy(s => s.StartSeconds).ToList(), seconds, eventsPerOperation);
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
