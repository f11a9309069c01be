using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Webhook.Contracts;
using Webhook.Storage;
using Webhook.Testing;
using C = Webhook.Storage.StatsTables.CounterAttributes;

namespace Webhook.Bench;

/// <summary>
/// 7. The console over statistics tables of its own holding <see cref="Events"/> events over <see cref="Days"/> days:
/// the dashboard's data (the daily counts) and the top list, one request at a time, and the export of every event,
/// with the console's resident memory watched while it streams. The tables are seeded through the product's key
/// layout (<see cref="StatsTables"/>) with BatchWriteItem, the counters added up in memory first: what the Processor
/// would have written for these events, without spending a quarter of an hour making it write them one by one. They
/// are on a DynamoDB Local of the scenario's own, its data in memory (<see cref="StoreDirectory"/> says why).
/// </summary>
public sealed class ConsoleScenario(BenchOptions options, LocalServers servers, Dictionary<string, string> environment, string logs, string run)
{
    public const int Days = 90;
    public const string AnalystKey = "Console__AnalystKey";

    public int Events => options.Quick ? 2_000 : 100_000;
    public int Emails => options.Quick ? 200 : 10_000;
    int Requests => options.Quick ? 30 : 300;
    int Warmup => options.Quick ? 5 : 30;
    /// <summary>Enough to keep DynamoDB Local's one writing thread busy; more only queue behind it.</summary>
    const int SeedWritesAtOnce = 4;
    /// <summary>
    /// The shares a day's count is kept in, as the Processor writes them at its default limit: one per statistics slot
    /// (<see cref="StatsTables.DayTypeKey"/>), so the daily counts read as many items as they would in production.
    /// </summary>
    const int DayShares = 3;

    public async Task<ConsoleResult> RunAsync(CancellationToken ct)
    {
        var store = new LocalServers(servers.Profile, StoreDirectory, new Uri(servers.DynamoServiceUrl).Port - DynamoPortOffset + StorePortShift);
        Console.WriteLine($"7. Console: {(await store.StartAsync(ct, "dynamodb")).Trim()}, its data in {StoreDirectory}");
        var tables = new IsolatedTables(store, $"bench-{run}-console-");
        try
        {
            await tables.CreateAsync(ct);
            var last = DateOnly.FromDateTime(DateTime.UtcNow.Date).AddDays(-1);
            var from = last.AddDays(1 - Days);
            Console.WriteLine($"   seeding {Events:N0} events over {Days} days ({DateRange(from, last)}) on {Emails:N0} emails");
            var seedClock = Stopwatch.StartNew();
            var seeded = await SeedAsync(tables, from, ct);
            var seedSeconds = seedClock.Elapsed.TotalSeconds;
            Console.WriteLine($"   seeded {seeded:N0} items in {seedSeconds:0} s");

            var key = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
            var settings = new Dictionary<string, string>(environment)
            {
                ["Stats__TablePrefix"] = tables.Prefix,
                [AnalystKey] = key,
            };
            foreach (var (name, value) in store.Settings.Where(s => s.Key.StartsWith("AWS", StringComparison.Ordinal)))
                settings[name] = value;
            await using var console = new HostProcess("Webhook.Console", settings, Path.Combine(logs, "Webhook.Console.log"));
            await console.StartAsync(cancellationToken: ct);
            var stats = new ProcessStats();
            stats.Watch(Names.Console, console.Pid);
            stats.Watch(Names.Dynamo, BenchmarkRun.Pid(store, "dynamodb"));
            stats.Watch(Names.Generator, Environment.ProcessId);
            using var http = new HttpClient { BaseAddress = console.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Add("X-Api-Key", key);
            var range = $"from={Day(from)}&to={Day(last)}";

            var daily = await TimeAsync(http, stats, $"/api/stats/daily?{range}", ct);
            Console.WriteLine($"   daily counts, {Days} days: p50 {daily.P50:0.0} ms, p99 {daily.P99:0.0} ms");
            var top = await TimeAsync(http, stats, $"/api/stats/top?{range}&by=opens&limit=10", ct);
            Console.WriteLine($"   top 10 by opens, {Days} days ({top.Method}): p50 {top.P50:0.0} ms, p99 {top.P99:0.0} ms");
            // The first export after the start grows the older generations by the pages it holds in flight, which the
            // garbage collector promotes (a warm-up, as for the queries); then a tenth of the range and the whole range:
            // memory that does not grow with the export's size is flat.
            var first = await ExportAsync(http, stats, console.Pid, range, ct);
            var small = await ExportAsync(http, stats, console.Pid, $"from={Day(last.AddDays(1 - Days / 10))}&to={Day(last)}", ct);
            var export = await ExportAsync(http, stats, console.Pid, range, ct);
            foreach (var (name, e) in new[] { ($"{Days} days, the first", first), ($"{Days / 10} days", small), ($"{Days} days", export) })
                Console.WriteLine($"   export, {name}: {e.Events:N0} events in {e.Seconds:0.0} s = {e.EventsPerSecond:N0} events/s; console RSS {e.RssBeforeMiB:0} MiB before, peak {e.PeakMiB:0} MiB during");
            return new ConsoleResult(Events, Emails, seeded, seedSeconds, daily, top, export, small, first);
        }
        finally
        {
            if (options.KeepData)
                Console.WriteLine($"Kept: the console's DynamoDB Local at {store.DynamoServiceUrl}, tables {tables.Prefix}*, data in {StoreDirectory}");
            else
                await tables.DisposeAsync();
            // Its data and port are this run's own, so a later run cannot reuse it: --keep-servers keeps only the
            // profile's servers.
            if (!options.KeepData)
            {
                await store.StopAsync(CancellationToken.None, "dynamodb");
                Directory.Delete(StoreDirectory, recursive: true);
            }
        }
    }

    /// <summary>
    /// Where the scenario's own DynamoDB Local keeps its data: in memory (tmpfs). On disk, DynamoDB Local writes each
    /// item in a transaction of its own from one thread (about 46 writes and 66 KB of disk traffic an item here), a
    /// few hundred items a second whatever the number of requests at once; on tmpfs the same thread writes five times
    /// as many, so the tables are seeded in a couple of minutes. Reads are served from memory either way.
    /// </summary>
    string StoreDirectory => Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"webhook-bench-{run}");

    /// <summary>DynamoDB Local's port is servers.sh's port base plus this.</summary>
    const int DynamoPortOffset = 800;

    /// <summary>The scenario's DynamoDB Local listens this far above the profile's own.</summary>
    const int StorePortShift = 100;

    static string DateRange(DateOnly first, DateOnly last) => $"{Day(first)} to {Day(last)}";

    static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// Events as marketing email draws them: each email is sent on a day of the range and its events come within the
    /// three days after; how many events an email gets follows a Zipf law (s = 1: a few emails are opened again and again,
    /// most a few times); 70% opens, 25% clicks, 5% spam reports.
    /// </summary>
    async Task<int> SeedAsync(IsolatedTables tables, DateOnly first, CancellationToken ct)
    {
        var random = new Random(5);
        var weights = Enumerable.Range(1, Emails).Select(k => 1.0 / k).ToArray();
        var cumulative = new double[Emails];
        double sum = 0;
        for (var i = 0; i < Emails; i++)
            cumulative[i] = sum += weights[i];
        var sentOn = Enumerable.Range(0, Emails).Select(_ => random.Next(Days - 3)).ToArray();
        var now = DateTimeOffset.UtcNow;

        var items = new List<(string Table, Dictionary<string, AttributeValue> Item)>(Events + Emails * 4);
        var totals = new Dictionary<string, (long Events, long Opens, long Clicks, long Spam, string? First, string? Last)>();
        var daily = new Dictionary<(DateTimeOffset Day, string Type, int Share), long>();
        var emailDays = new Dictionary<(string Email, string Type, string Day), long>();
        for (var n = 0; n < Events; n++)
        {
            var e = Array.BinarySearch(cumulative, random.NextDouble() * sum);
            e = e < 0 ? ~e : e;
            var emailId = $"bench-email-{e:D6}";
            var roll = random.NextDouble();
            var type = roll < 0.70 ? EmailEventTypes.Opened : roll < 0.95 ? EmailEventTypes.Clicked : EmailEventTypes.Spam;
            var at = new DateTimeOffset(first.AddDays(sentOn[e] + random.Next(3)).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
                .AddSeconds(random.Next(86_400));
            items.Add((tables.Tables.Events, StatsTables.EventItem(Guid.NewGuid(), emailId, type, at, now, "standard")));

            var time = StatsTables.FormatTime(at);
            var t = totals.GetValueOrDefault(emailId);
            t.Events++;
            if (type == EmailEventTypes.Opened)
            {
                t.Opens++;
                t.First = t.First is null || string.CompareOrdinal(time, t.First) < 0 ? time : t.First;
                t.Last = t.Last is null || string.CompareOrdinal(time, t.Last) > 0 ? time : t.Last;
            }
            else if (type == EmailEventTypes.Clicked)
                t.Clicks++;
            else
                t.Spam++;
            totals[emailId] = t;
            var day = StatsTables.FormatDay(at);
            var dayShare = (new DateTimeOffset(at.UtcDateTime.Date, TimeSpan.Zero), type, n % DayShares);
            daily[dayShare] = daily.GetValueOrDefault(dayShare) + 1;
            emailDays[(emailId, type, day)] = emailDays.GetValueOrDefault((emailId, type, day)) + 1;
        }

        foreach (var (emailId, t) in totals)
        {
            var item = StatsTables.Key(StatsTables.EmailKey(emailId), StatsTables.TotalsSortKey);
            item[C.Events] = Number(t.Events);
            item[C.TopShard] = new AttributeValue { S = StatsTables.TopShardOf(emailId) };
            if (t.Opens > 0)
                item[C.Opens] = Number(t.Opens);
            if (t.Clicks > 0)
                item[C.Clicks] = Number(t.Clicks);
            if (t.Spam > 0)
                item[C.SpamReports] = Number(t.Spam);
            if (t.First is not null)
            {
                item[C.FirstOpenedAt] = new AttributeValue { S = t.First };
                item[C.LastOpenedAt] = new AttributeValue { S = t.Last };
            }
            items.Add((tables.Tables.Counters, item));
        }
        foreach (var ((at, type, share), count) in daily)
        {
            var item = StatsTables.Key(StatsTables.DayKey(at), StatsTables.DayTypeKey(at, type, share));
            item[C.Count] = Number(count);
            items.Add((tables.Tables.Counters, item));
        }
        foreach (var ((emailId, type, day), count) in emailDays)
        {
            var item = StatsTables.Key(StatsTables.EmailKey(emailId), StatsTables.EmailDayKey(type, day));
            item[C.Count] = Number(count);
            items.Add((tables.Tables.Counters, item));
        }

        await WriteAsync(tables.Client, items, ct);
        return items.Count;
    }

    /// <summary>
    /// BatchWriteItem, 25 items a request, <see cref="SeedWritesAtOnce"/> requests at once; what DynamoDB leaves
    /// unprocessed is sent again after a short pause.
    /// </summary>
    static async Task WriteAsync(IAmazonDynamoDB dynamo, List<(string Table, Dictionary<string, AttributeValue> Item)> items, CancellationToken ct)
    {
        var written = 0;
        var clock = Stopwatch.StartNew();
        var batches = items.GroupBy(i => i.Table).SelectMany(t => t.Select(i => i.Item).Chunk(25).Select(chunk => (t.Key, chunk)));
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = SeedWritesAtOnce, CancellationToken = ct }, async (batch, token) =>
        {
            var pending = new Dictionary<string, List<WriteRequest>> { [batch.Key] = [.. batch.chunk.Select(i => new WriteRequest(new PutRequest(i)))] };
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                if (attempt > 0)
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * attempt)), token);
                var response = await dynamo.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = pending }, token);
                pending = response.UnprocessedItems ?? [];
            }
            var now = Interlocked.Add(ref written, batch.chunk.Length);
            if (now / 20_000 != (now - batch.chunk.Length) / 20_000)
                Console.WriteLine($"   {now:N0} of {items.Count:N0} items written, {now / clock.Elapsed.TotalSeconds:N0} items/s");
        });
    }

    static AttributeValue Number(long n) => new() { N = n.ToString(CultureInfo.InvariantCulture) };

    async Task<QueryFigures> TimeAsync(HttpClient http, ProcessStats stats, string url, CancellationToken ct)
    {
        var times = new List<double>();
        string? method = null;
        var before = stats.CpuSeconds();
        var wall = new Stopwatch();
        for (var i = 0; i < Warmup + Requests; i++)
        {
            if (i == Warmup)
            {
                before = stats.CpuSeconds();
                wall.Start();
            }
            var clock = Stopwatch.StartNew();
            using var response = await http.GetAsync(new Uri(url, UriKind.Relative), ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"{url} answered {(int)response.StatusCode}: {body}");
            if (i >= Warmup)
                times.Add(clock.Elapsed.TotalMilliseconds);
            method ??= System.Text.Json.JsonDocument.Parse(body).RootElement.TryGetProperty("method", out var m) ? m.GetString() : null;
        }
        var cpu = ProcessStats.Difference(stats.CpuSeconds(), before);
        times.Sort();
        return new QueryFigures(url, times.Count, Percentile(times, 0.5), Percentile(times, 0.99), times[^1], method, cpu, wall.Elapsed.TotalSeconds);
    }

    static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>The whole range as NDJSON, read as it streams; the console's RSS sampled every 20 ms meanwhile.</summary>
    static async Task<ExportFigures> ExportAsync(HttpClient http, ProcessStats stats, int pid, string range, CancellationToken ct)
    {
        var before = Rss(pid);
        var privateBefore = Status(pid, "RssAnon:");
        stats.ResetPeaks();
        var cpuBefore = stats.CpuSeconds();
        double sampledPeak = before;
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                sampledPeak = Math.Max(sampledPeak, Rss(pid));
                try
                {
                    await Task.Delay(20, sampling.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }, CancellationToken.None);

        var clock = Stopwatch.StartNew();
        long lines = 0, bytes = 0;
        using (var response = await http.GetAsync(new Uri($"/api/export/events?{range}&format=ndjson", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct))
        {
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, ct)) > 0)
            {
                bytes += read;
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        var cpu = ProcessStats.Difference(stats.CpuSeconds(), cpuBefore);
        var peak = Math.Max(sampledPeak, stats.PeakMemoryMiB()[Names.Console]);
        return new ExportFigures(lines, bytes / (1024.0 * 1024.0), seconds, lines / seconds, before, peak, cpu, privateBefore, Status(pid, "RssAnon:"));
    }

    static double Rss(int pid) => Status(pid, "VmRSS:");

    static double Status(int pid, string key) => ProcessStats.StatusKb(pid, key) / 1024.0;
}

/// <param name="Method">How the top list was found ("ranked", "counted"), as the console says; null for other requests.</param>
/// <param name="Cpu">CPU seconds of the console, DynamoDB Local, this tool and the whole machine over the timed requests.</param>
public sealed record QueryFigures(string Url, int Requests, double P50, double P99, double Max, string? Method, Dictionary<string, double> Cpu, double Seconds);

/// <param name="PrivateBeforeMiB">RssAnon before: the GC heap, stacks and native memory; <paramref name="PrivateAfterMiB"/> after.</param>
public sealed record ExportFigures(long Events, double MiB, double Seconds, double EventsPerSecond, double RssBeforeMiB, double PeakMiB,
    Dictionary<string, double> Cpu, double PrivateBeforeMiB, double PrivateAfterMiB)
{
    public double GrewMiB => PeakMiB - RssBeforeMiB;
}

/// <param name="FirstExport">The first export after the console started, before <paramref name="SmallExport"/> and <paramref name="Export"/>.</param>
public sealed record ConsoleResult(int Events, int Emails, int ItemsSeeded, double SeedSeconds, QueryFigures Daily, QueryFigures Top,
    ExportFigures Export, ExportFigures SmallExport, ExportFigures FirstExport)
{
    /// <summary>Flat: ten times the events do not grow the console's memory more than a tenth of them did, within this.</summary>
    public const double FlatWithinMiB = 16;

    /// <summary>What the whole range's export added to the console's memory beyond what a tenth of it added.</summary>
    public double GrowthBeyondSmallMiB => Export.GrewMiB - SmallExport.GrewMiB;
}
