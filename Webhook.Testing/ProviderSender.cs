using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Webhook.Testing;

/// <summary>
/// Sends a stream of signed webhooks the way an email provider does: each webhook keeps its id across attempts, and
/// anything but a 2xx (a 503, a broken connection, a timeout) is retried after a pause — here at most a second, where a
/// provider would wait minutes — until it is acknowledged. Every response is recorded with when it came.
/// </summary>
public sealed class ProviderSender(HttpClient client, IReadOnlyList<string> emailIds, int eventsPerRequest = 5)
{
    readonly ConcurrentBag<Attempt> _attempts = [];
    int _acknowledgedRequests;
    int _sentRequests;

    public int EventsPerRequest => eventsPerRequest;

    /// <summary>Webhooks a second sent beyond the stream's length while the caller says to go on.</summary>
    public const double TrickleRate = 10;

    /// <summary>Webhooks sent so far (each once, however many attempts it took).</summary>
    public int SentRequests => Volatile.Read(ref _sentRequests);

    public int AcknowledgedRequests => Volatile.Read(ref _acknowledgedRequests);

    public IReadOnlyCollection<Attempt> Attempts => _attempts;

    /// <summary>One attempt at one webhook: its status (0 for a broken connection or timeout) and when it ran.</summary>
    public sealed record Attempt(int Request, int Status, DateTime StartedAt, DateTime EndedAt);

    /// <summary>
    /// Sends <paramref name="requests"/> webhooks at <paramref name="requestsPerSecond"/>, and then more, at
    /// <see cref="TrickleRate"/>, while <paramref name="continueWhile"/> holds (a fault not over yet: however long it
    /// takes on a busy machine, the stream outlasts it), keeping at most <paramref name="concurrency"/> in flight, each
    /// until acknowledged; a webhook is given up (and the stream fails) after <paramref name="giveUpAfter"/> of attempts
    /// (5 minutes unless given).
    /// </summary>
    public async Task SendAsync(int requests, double requestsPerSecond, int concurrency = 16, TimeSpan? giveUpAfter = null,
        Func<bool>? continueWhile = null)
    {
        var patience = giveUpAfter ?? TimeSpan.FromMinutes(5);
        var clock = Stopwatch.StartNew();
        var indexes = Enumerable.Range(0, int.MaxValue).TakeWhile(i => i < requests || continueWhile?.Invoke() == true);
        await Parallel.ForEachAsync(indexes, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            // Beyond the stream's length, a trickle: enough to see how the system answers until the fault is over, without
            // piling up a backlog that the suite would then wait for.
            var at = i < requests ? i / requestsPerSecond : requests / requestsPerSecond + (i - requests) / Math.Min(requestsPerSecond, TrickleRate);
            var due = TimeSpan.FromSeconds(at) - clock.Elapsed;
            if (due > TimeSpan.Zero)
                await Task.Delay(due, ct);

            Interlocked.Increment(ref _sentRequests);
            var webhookId = $"msg_{i}_{Guid.NewGuid():N}";
            var body = "[" + string.Join(",", Enumerable.Range(0, eventsPerRequest).Select(j =>
                $$"""{"emailId":"{{emailIds[(i * eventsPerRequest + j) % emailIds.Count]}}","eventType":"Opened"}""")) + "]";
            var deadline = DateTime.UtcNow + patience;
            while (true)
            {
                var started = DateTime.UtcNow;
                var (status, retryAfter) = await TryOnceAsync(body, webhookId);
                _attempts.Add(new Attempt(i, status, started, DateTime.UtcNow));
                if (status is >= 200 and < 300)
                {
                    Interlocked.Increment(ref _acknowledgedRequests);
                    return;
                }
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"Webhook {i} was never acknowledged in {patience.TotalSeconds:0} s of attempts; last status {status}.");
                await Task.Delay(retryAfter is { } r && r < TimeSpan.FromSeconds(1) ? r : TimeSpan.FromSeconds(1), ct);
            }
        });
    }

    async Task<(int Status, TimeSpan? RetryAfter)> TryOnceAsync(string body, string webhookId)
    {
        try
        {
            using var response = await client.SendAsync(Signing.StandardRequest(body, id: webhookId));
            return ((int)response.StatusCode, response.Headers.RetryAfter?.Delta);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return (0, null);
        }
    }

    /// <summary>Waits until at least <paramref name="requests"/> webhooks have been acknowledged.</summary>
    public async Task WaitForAcknowledgedAsync(int requests, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (AcknowledgedRequests < requests)
        {
            if (watch.Elapsed > (timeout ?? TimeSpan.FromMinutes(3)))
                throw new TimeoutException($"Only {AcknowledgedRequests} of {requests} webhooks acknowledged.");
            await Task.Delay(50);
        }
    }

    public int RetriedRequests => _attempts.GroupBy(a => a.Request).Count(g => g.Count() > 1);

    public IReadOnlyDictionary<int, int> StatusCounts =>
        _attempts.GroupBy(a => a.Status).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Acknowledgements given by a request that started after <paramref name="from"/> and ended before <paramref name="to"/>.</summary>
    public int AcknowledgedWithin(DateTime from, DateTime to) =>
        _attempts.Count(a => a.Status is >= 200 and < 300 && a.StartedAt > from && a.EndedAt < to);
}
