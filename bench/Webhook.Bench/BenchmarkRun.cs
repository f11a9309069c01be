using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using Webhook.Messaging;
using Webhook.Testing;

namespace Webhook.Bench;

/// <summary>
/// One run of every scenario, in one process tree on one machine: the bench profile's servers, the product's two
/// hosts and the baselines host as separate processes, and this process as the load generator. Each run gets its own
/// database, RabbitMQ virtual host and DynamoDB table prefix, removed at the end.
/// </summary>
public sealed class BenchmarkRun(BenchOptions options)
{
    const string Profile = "bench";
    const string QueueName = BrokerOptions.DefaultQueueName;

    readonly ProcessStats _stats = new();

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var run = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()))[..4];
        var output = Path.GetFullPath(options.Output ?? Path.Combine(Repository.Root, "docs", "benchmarks.md"));
        var logs = Path.Combine(Repository.Root, ".state", Profile, "runs", run);
        Directory.CreateDirectory(logs);
        var machine = Machine.Describe();
        Console.WriteLine($"Run {run}: {machine.Summary}; host logs in {logs}");

        // One run at a time: a second run would share the bench profile's servers, and the first to finish stops them.
        await using var runLock = await LockAsync(Path.Combine(Repository.Root, ".state", Profile, "run.lock"), ct);
        // The profile's own state dir and ports, whatever the caller's environment says (the test script exports "test").
        var servers = new LocalServers(Profile);
        Console.WriteLine(await servers.StartAsync(ct));
        try
        {
            if (options.Only == BenchOptions.ConsoleOnly)
            {
                var console = await RunConsoleAloneAsync(servers, run, logs, ct);
                ConsoleReport.WriteInto(output, options, console, machine, clock.Elapsed.TotalSeconds);
                return output;
            }
            var stolenBefore = ProcessStats.StolenSeconds();
            var scenariosClock = Stopwatch.StartNew();
            var results = await RunScenariosAsync(servers, run, logs, ct);
            var stolen = (ProcessStats.StolenSeconds() - stolenBefore) / (scenariosClock.Elapsed.TotalSeconds * machine.Cores);
            results = results with { Machine = machine, TotalSeconds = clock.Elapsed.TotalSeconds, StolenShare = stolen };
            new Report(options, results).Write(output);
            return output;
        }
        finally
        {
            if (!options.KeepServers)
                Console.WriteLine(await servers.StopAsync());
        }
    }

    /// <summary>
    /// Scenario 7 without the others: the console's readiness asks PostgreSQL and its settings name a broker, so the
    /// run's database and virtual host are made for it as for a full run, but no other host is started.
    /// </summary>
    async Task<ConsoleResult> RunConsoleAloneAsync(LocalServers servers, string run, string logs, CancellationToken ct)
    {
        var (database, virtualHost, tables) = await CreateStoresAsync(servers, run, ct);
        try
        {
            var environment = RunningSystem.EnvironmentFor(servers, database.Database, tables, virtualHost);
            return await new ConsoleScenario(options, servers, environment, logs, run).RunAsync(ct);
        }
        finally
        {
            await ReleaseStoresAsync(database, virtualHost, tables);
        }
    }

    async Task<Results> RunScenariosAsync(LocalServers servers, string run, string logs, CancellationToken ct)
    {
        var (database, virtualHost, tables) = await CreateStoresAsync(servers, run, ct);
        var requests = new Requests(run);

        var environment = new Dictionary<string, string>(RunningSystem.EnvironmentFor(servers, database.Database, tables, virtualHost))
        {
            ["Processor__ConcurrencyLimit"] = BenchOptions.ConcurrencyLimit.ToString(CultureInfo.InvariantCulture),
            ["Webhooks__Email__Secret"] = requests.StandardSecret,
            ["Webhooks__SendGrid__VerificationKey"] = requests.SendGridVerificationKey,
            ["Baselines__Secret"] = requests.StandardSecret,
            ["Baselines__WorkMilliseconds"] = options.WorkMilliseconds.ToString(CultureInfo.InvariantCulture),
            ["Baselines__DatabaseCapacity"] = options.DatabaseCapacity.ToString(CultureInfo.InvariantCulture),
        };

        await using var processor = new HostProcess("Webhook.Processor", environment, Path.Combine(logs, "Webhook.Processor.log"));
        await using var api = new HostProcess("Webhook.Api", environment, Path.Combine(logs, "Webhook.Api.log"));
        await using var baselines = new HostProcess("bench/Webhook.Bench.Baselines", environment, Path.Combine(logs, "Webhook.Bench.Baselines.log"));
        BrokerCeiling? broker = null;
        try
        {
            // The Processor first: it migrates the database and creates the tables before anything is published.
            await processor.StartAsync(cancellationToken: ct);
            await Task.WhenAll(api.StartAsync(cancellationToken: ct), baselines.StartAsync(cancellationToken: ct));
            await database.SeedAsync(ct);
            await database.InstallWorkAsync(ct);
            broker = new BrokerCeiling(virtualHost.Uri);
            await broker.StartAsync(ct);

            _stats.Watch(Names.Api, api.Pid);
            _stats.Watch(Names.Processor, processor.Pid);
            _stats.Watch(Names.Baselines, baselines.Pid);
            _stats.Watch(Names.Generator, Environment.ProcessId);
            _stats.Watch(Names.RabbitMq, Pid(servers, "rabbitmq"));
            _stats.Watch(Names.Postgres, Pid(servers, "postgres"), withChildren: true, peakMemory: false);
            _stats.Watch(Names.Dynamo, Pid(servers, "dynamodb"));

            using var apiClient = LoadGenerator.HttpClientFor(api.BaseAddress, options.Connections);
            using var baselineClient = LoadGenerator.HttpClientFor(baselines.BaseAddress, options.Connections);

            // Batches last: their large requests grow the API's heap, which would then count in the next scenario's peak.
            var ingest = await IngestAsync(requests, apiClient, baselineClient, broker, ct);
            var refused = await RefusedAsync(requests, apiClient, ct);
            await DrainQueueAsync(virtualHost, ct);
            var burst = await BurstAsync(virtualHost, database, requests, apiClient, baselineClient, ct);
            await DrainQueueAsync(virtualHost, ct);
            await database.RemoveTriggerAsync(ct);
            // The queue is empty and the Processor idle: every slot is free, as for an event at the limit.
            var slots = await SlotCost.MeasureAsync(database.ConnectionString, BenchOptions.ConcurrencyLimit, options.Quick ? 200 : 2_000, ct);
            Console.WriteLine($"   slots: PostgreSQL's in the statement p50 {slots.InStatement.P50Us:0} µs vs {slots.StatementAlone.P50Us:0} µs without; " +
                $"the statistics' session slot p50 {slots.Session.P50Us:0} µs vs {slots.Connection.P50Us:0} µs for the session alone");
            var batches = await BatchesAsync(requests, apiClient, ct);
            // The batches leave the queue a backlog of hundreds of thousands of events, which the Processor would work
            // through for the rest of the run, its stores and the broker's deliveries taking a third to a half of the
            // cores from the console: emptied, as between the other scenarios, the console runs as it does alone.
            await DrainQueueAsync(virtualHost, ct);
            // Last, once the ingest's hosts are idle: the console over tables of its own, seeded, on a DynamoDB Local of its own.
            var console = await new ConsoleScenario(options, servers, environment, logs, run).RunAsync(ct);

            return new Results
            {
                Ingest = ingest,
                Batches = batches,
                Burst = burst,
                Slots = slots,
                Refused = refused,
                Console = console,
                Watched = [.. _stats.WatchedNames],
                WithoutPeakMemory = [.. _stats.WatchedNames.Where(n => !_stats.HasPeakMemory(n))],
            };
        }
        finally
        {
            if (broker is not null)
                await broker.DisposeAsync();
            await Task.WhenAll(api.StopAsync(), baselines.StopAsync(), processor.StopAsync());
            await ReleaseStoresAsync(database, virtualHost, tables);
        }
    }

    /// <summary>The run's own database, virtual host and table prefix (the tables are made by whoever uses them).</summary>
    static async Task<(BenchDatabase, VirtualHost, IsolatedTables)> CreateStoresAsync(LocalServers servers, string run, CancellationToken ct)
    {
        var database = new BenchDatabase(new IsolatedDatabase(servers, "bench_" + run));
        var virtualHost = new VirtualHost(servers, "bench-" + run);
        var tables = new IsolatedTables(servers, $"bench-{run}-");
        await database.CreateAsync(ct);
        await virtualHost.CreateAsync();
        return (database, virtualHost, tables);
    }

    async Task ReleaseStoresAsync(BenchDatabase database, VirtualHost virtualHost, IsolatedTables tables)
    {
        if (options.KeepData)
            Console.WriteLine($"Kept: database {database.Name}, virtual host {virtualHost.Name}, tables {tables.Prefix}*");
        else
            await CleanUpAsync(database, virtualHost, tables);
    }

    // ------------------------------------------------------------------------------------------ 1. ingest

    /// <summary>
    /// Runs a target's load until the CPU its process spends per request stops falling, and returns for how long.
    /// Tiered compilation goes on long after the first requests: on two shared cores, a profile of the API
    /// (docs/profiles.md) showed it taking 28% of the API's CPU through a 30-s round that followed a 3-s warm-up, and
    /// settling only after about 25 s of load. So the load runs in slices of the warm-up's length until two slices in a
    /// row cost at least 95% of the one before them per request (one slice may be cheaper by chance), within
    /// <see cref="BenchOptions.MaxWarmupSeconds"/>.
    /// </summary>
    async Task<double> WarmUpAsync(string process, int eventsPerOperation, Func<long, CancellationToken, Task<int>> operation,
        CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var slice = TimeSpan.FromSeconds(options.WarmupSeconds);
        double? last = null;
        var steady = 0;
        while (true)
        {
            var before = _stats.CpuSeconds();
            var recording = await LoadGenerator.RunAsync(options.Connections, slice, null, eventsPerOperation, operation, ct);
            var perRequest = ProcessStats.Difference(_stats.CpuSeconds(), before).GetValueOrDefault(process) /
                             Math.Max(1, recording.Samples.Count);
            steady = last is { } l && perRequest >= 0.95 * l ? steady + 1 : 0;
            last = perRequest;
            if (steady == 2 || clock.Elapsed.TotalSeconds + slice.TotalSeconds > options.MaxWarmupSeconds)
                return clock.Elapsed.TotalSeconds;
        }
    }

    async Task<IngestResult> IngestAsync(Requests requests, HttpClient api, HttpClient baselines, BrokerCeiling broker, CancellationToken ct)
    {
        // Each target with the process whose CPU per request ends its warm-up.
        var targets = new (string Name, string Process, Func<long, CancellationToken, Task<int>> Operation)[]
        {
            (Names.BareTarget, Names.Baselines, (n, c) => LoadGenerator.SendAsync(baselines, requests.Standard("/bare", n), c)),
            (Names.OursTarget, Names.Api, (n, c) => LoadGenerator.SendAsync(api, requests.Standard("/webhooks/email", n), c)),
            (Names.BrokerTarget, Names.Generator, broker.PublishAsync),
        };
        Console.WriteLine($"1. Ingest: {Names.IngestTargets.Length} targets × {options.Rounds} rounds of {options.DurationSeconds / options.Rounds:0.#} s, {options.Connections} at once");

        var warmup = new Dictionary<string, double>();
        foreach (var (name, process, operation) in targets)
            warmup[name] = await WarmUpAsync(process, 1, operation, ct);
        Console.WriteLine($"   warmed up: {string.Join(", ", targets.Select(t => $"{t.Name} {warmup[t.Name]:0} s"))}");

        _stats.ResetPeaks();
        var parts = targets.ToDictionary(t => t.Name, _ => new List<Recording>());
        var cpu = targets.ToDictionary(t => t.Name, _ => new Dictionary<string, double>());
        var round = TimeSpan.FromSeconds(options.DurationSeconds / options.Rounds);
        // The broker's CPU per publish falls as the rate rises (reads, confirms and deliveries amortised over more
        // messages), and the Processor's consumption costs it the same CPU per second whichever target runs: the same
        // publishing as (b), at the rate ours reached in the round, tells what our publishes cost the broker from what
        // the rate does. So does a server's CPU per request: the bare endpoint at ours' rate is what HTTP alone costs
        // a host at the API's load, the floor under the API's CPU per event.
        var paced = new (string Name, Func<long, CancellationToken, Task<int>> Operation)[]
        {
            (Names.PacedBrokerTarget, broker.PublishAsync),
            (Names.PacedBareTarget, targets[0].Operation),
        };
        foreach (var (name, _) in paced)
        {
            parts[name] = [];
            cpu[name] = [];
        }
        for (var r = 0; r < options.Rounds; r++)
        {
            // Interleaved, so a neighbour's build slowing the machine for a while weighs on every target alike.
            foreach (var (name, _, operation) in targets)
            {
                var before = _stats.CpuSeconds();
                var recording = await LoadGenerator.RunAsync(options.Connections, round, null, 1, operation, ct);
                parts[name].Add(recording);
                Add(cpu[name], ProcessStats.Difference(_stats.CpuSeconds(), before));
                if (name != Names.OursTarget)
                    continue;
                var rate = LoadFigures.Of(recording).EventsPerSecond;
                foreach (var (pacedName, pacedOperation) in paced)
                {
                    before = _stats.CpuSeconds();
                    parts[pacedName].Add(await LoadGenerator.RunAsync(options.Connections, round, null, 1, pacedOperation, ct, rate));
                    Add(cpu[pacedName], ProcessStats.Difference(_stats.CpuSeconds(), before));
                }
            }
        }
        var peaks = _stats.PeakMemoryMiB();

        var figures = parts.ToDictionary(p => p.Key, p => LoadFigures.Of(Recording.Combine(p.Value)));
        foreach (var name in Names.IngestTargets)
            Console.WriteLine($"   {name,-28} {Line(figures[name])}");
        var ours = figures[Names.OursTarget];
        Console.WriteLine($"   ours / HTTP ceiling = {ours.EventsPerSecond / figures[Names.BareTarget].EventsPerSecond:0%}, " +
                          $"ours / broker ceiling = {ours.EventsPerSecond / figures[Names.BrokerTarget].EventsPerSecond:0%}");
        return new IngestResult(figures, cpu, peaks, warmup);
    }

    /// <summary>
    /// What a flood of fakes costs the API: forged requests from one client as fast as it answers them, the refusals'
    /// own CPU per request. The first of each window's budget are refused 401 after the signature check, the rest 429.
    /// </summary>
    async Task<RefusedResult> RefusedAsync(Requests requests, HttpClient api, CancellationToken ct)
    {
        Task<int> Operation(long n, CancellationToken c) => LoadGenerator.SendAsync(api, requests.Forged("/webhooks/email", n), c);
        await WarmUpAsync(Names.Api, 1, Operation, ct);
        var before = _stats.CpuSeconds();
        var recording = await LoadGenerator.RunAsync(options.Connections, TimeSpan.FromSeconds(options.DurationSeconds / options.Rounds), null, 1, Operation, ct);
        var cpu = ProcessStats.Difference(_stats.CpuSeconds(), before);
        var statuses = recording.Samples.GroupBy(s => s.Status).ToDictionary(g => g.Key, g => g.LongCount());
        var result = new RefusedResult(recording.Samples.Count, statuses, cpu.GetValueOrDefault(Names.Api), recording.Seconds);
        Console.WriteLine($"   forged, refused: {result.Requests:N0} requests in {result.Seconds:0.0} s ({string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Value:N0} × {s.Key}"))}), " +
                          $"API CPU {result.ApiMicrosecondsPerRequest:0} µs per refused request");
        return result;
    }

    // ------------------------------------------------------------------------------------------ 2. batches

    async Task<PhaseResult> BatchesAsync(Requests requests, HttpClient api, CancellationToken ct)
    {
        Console.WriteLine($"2. Batches: SendGrid batches of {BenchOptions.BatchSize} events, {options.Connections} at once, {options.DurationSeconds:0.#} s");
        Task<int> Operation(long n, CancellationToken c) => LoadGenerator.SendAsync(api, requests.SendGridBatch(BenchOptions.BatchSize), c);

        var warmup = await WarmUpAsync(Names.Api, BenchOptions.BatchSize, Operation, ct);
        Console.WriteLine($"   warmed up: {warmup:0} s");
        _stats.ResetPeaks();
        var before = _stats.CpuSeconds();
        var recording = await LoadGenerator.RunAsync(options.Connections, TimeSpan.FromSeconds(options.DurationSeconds), null, BenchOptions.BatchSize, Operation, ct);
        var cpu = ProcessStats.Difference(_stats.CpuSeconds(), before);
        var figures = LoadFigures.Of(recording);
        Console.WriteLine($"   {"SendGrid batches",-28} {Line(figures)}");
        return new PhaseResult(figures, recording, cpu, _stats.PeakMemoryMiB(), warmup);
    }

    // ------------------------------------------------------------------------------------------ 3 and 4. burst and drain

    /// <summary>The stores' slots sampled for <paramref name="duration"/>, while the Processor drains.</summary>
    static async Task<SlotOccupancy> SampleSlotsAsync(BenchDatabase database, TimeSpan duration, CancellationToken ct)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
        window.CancelAfter(duration);
        var occupancy = await SlotOccupancy.SampleAsync(database.ConnectionString, BenchOptions.ConcurrencyLimit, window.Token);
        ct.ThrowIfCancellationRequested();
        return occupancy;
    }

    async Task<BurstResult> BurstAsync(VirtualHost virtualHost, BenchDatabase database, Requests requests,
        HttpClient api, HttpClient baselines, CancellationToken ct)
    {
        Console.WriteLine($"3. Burst of {options.Burst:N0} events, {options.Connections} at once, W = {options.WorkMilliseconds} ms, database capacity {Capacity(options.DatabaseCapacity)}");
        await database.InstallTriggerAsync(options.DatabaseCapacity, options.WorkMilliseconds, ct);

        _stats.ResetPeaks();
        var before = _stats.CpuSeconds();
        var oursRecording = await LoadGenerator.RunAsync(options.Connections, null, options.Burst, 1,
            (n, c) => LoadGenerator.SendAsync(api, requests.Standard("/webhooks/email", n), c), ct);
        var oursCpu = ProcessStats.Difference(_stats.CpuSeconds(), before);
        var ours = new PhaseResult(LoadFigures.Of(oursRecording), oursRecording, oursCpu, _stats.PeakMemoryMiB());
        Console.WriteLine($"   {Names.OursTarget,-28} {Line(ours.Figures)}, all acknowledged in {oursRecording.Seconds:0.0} s");

        // 4. Drain: the Processor works through the backlog the burst left, at its limit, on a machine now calm.
        var drainClock = Stopwatch.StartNew();
        var drainBefore = _stats.CpuSeconds();
        var appliedBefore = await database.InboxCountAsync(ct);
        var from = await database.NowAsync(ct);
        var occupancy = await SampleSlotsAsync(database, TimeSpan.FromSeconds(options.DrainSeconds), ct);
        var appliedAfter = await database.InboxCountAsync(ct);
        var to = await database.NowAsync(ct);
        var drainSeconds = drainClock.Elapsed.TotalSeconds;
        // Transactions still open at the end have not logged their work yet: a second later they have.
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var slotsBusy = await database.WorkSecondsAsync("ours", from, to, ct) / ((to - from).TotalSeconds * BenchOptions.ConcurrencyLimit);
        var drainCpu = ProcessStats.Difference(_stats.CpuSeconds(), drainBefore);
        var backlogLeft = await virtualHost.QueueDepthAsync(QueueName);
        var drain = new DrainResult((appliedAfter - appliedBefore) / drainSeconds, drainSeconds, appliedAfter - appliedBefore, backlogLeft, slotsBusy, drainCpu, occupancy);
        Console.WriteLine($"4. Drain: {drain.EventsPerSecond:0.0} events/s over {drainSeconds:0} s (ceiling {BenchOptions.ConcurrencyLimit * 1000.0 / options.WorkMilliseconds:0} = {BenchOptions.ConcurrencyLimit} / {options.WorkMilliseconds} ms), {backlogLeft:N0} still queued; the {BenchOptions.ConcurrencyLimit} slots did the work {slotsBusy:0%} of the time");
        Console.WriteLine($"   slots held on average: PostgreSQL's {occupancy.Postgres.MeanHeld:0.00} (all {occupancy.Postgres.AllHeld:0%} of the time, " +
                          $"{occupancy.Postgres.MillisecondsPerEvent(drain.EventsPerSecond):0.0} ms per event), the statistics' {occupancy.Statistics.MeanHeld:0.00} " +
                          $"(all {occupancy.Statistics.AllHeld:0%}, {occupancy.Statistics.MillisecondsPerEvent(drain.EventsPerSecond):0.0} ms per event), {occupancy.Samples:N0} samples");
        var memoryDuringBurst = _stats.PeakMemoryMiB();
        var composition = _stats.Composition();

        await DrainQueueAsync(virtualHost, ct);
        // The floor, once the Processor has let go of what it had in hand: W alone, back to back at the limit.
        var floor = await DrainFloor.MeasureAsync(database, BenchOptions.ConcurrencyLimit, options.DatabaseCapacity, options.WorkMilliseconds,
            TimeSpan.FromSeconds(options.Quick ? 2 : 15), ct);
        drain = drain with { Floor = floor };
        Console.WriteLine($"   the floor, W alone back to back on {BenchOptions.ConcurrencyLimit} sessions: {floor.EventsPerSecond:0.0} events/s " +
                          $"({floor.WorkMillisecondsPerOperation:0.00} ms of W each, as the database ran it); the drain made {drain.ShareOfFloor:0%} of it");
        var naive = await NaiveAsync(requests, baselines, "/naive/email", ct);
        Console.WriteLine($"   {Names.NaiveTarget,-28} {Line(naive.Figures)}, all acknowledged in {naive.Recording.Seconds:0.0} s");
        var unbounded = await NaiveAsync(requests, baselines, "/naive/email?capacity=0", ct);
        Console.WriteLine($"   {Names.NaiveUnboundedTarget,-28} {Line(unbounded.Figures)}, all acknowledged in {unbounded.Recording.Seconds:0.0} s");

        var concurrency = new Dictionary<string, (long InDatabase, long Running)>();
        foreach (var design in new[] { "ours", "naive", "naive-unbounded" })
            concurrency[design] = (await database.PeakConcurrencyAsync(design, false, ct), await database.PeakConcurrencyAsync(design, true, ct));
        Console.WriteLine($"   database operations at once (peak): ours {concurrency["ours"].InDatabase}, naive {concurrency["naive"].InDatabase}, naive on an unbounded database {concurrency["naive-unbounded"].InDatabase}");
        Console.WriteLine($"   p99 naive / ours = {naive.Figures.P99 / ours.Figures.P99:0.0}");

        return new BurstResult(ours, naive, unbounded, drain, concurrency, memoryDuringBurst, composition);
    }

    async Task<PhaseResult> NaiveAsync(Requests requests, HttpClient baselines, string path, CancellationToken ct)
    {
        _stats.ResetPeaks();
        var before = _stats.CpuSeconds();
        var recording = await LoadGenerator.RunAsync(options.Connections, null, options.Burst, 1,
            (n, c) => LoadGenerator.SendAsync(baselines, requests.Standard(path, n), c), ct);
        return new PhaseResult(LoadFigures.Of(recording), recording, ProcessStats.Difference(_stats.CpuSeconds(), before), _stats.PeakMemoryMiB());
    }

    // ------------------------------------------------------------------------------------------ helpers

    /// <summary>Empties the queue between scenarios and waits until the Processor has settled what it had prefetched.</summary>
    static async Task DrainQueueAsync(VirtualHost virtualHost, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        do
        {
            await virtualHost.PurgeQueueAsync(QueueName);
            await Task.Delay(500, ct);
        }
        while (await virtualHost.QueueDepthAsync(QueueName) > 0 && DateTime.UtcNow < deadline);
    }

    static async Task CleanUpAsync(BenchDatabase database, VirtualHost virtualHost, IsolatedTables tables)
    {
        try
        {
            await database.DropAsync(CancellationToken.None);
            await virtualHost.DeleteAsync();
            await tables.DisposeAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or Npgsql.NpgsqlException or AmazonServiceException or HttpRequestException)
        {
            Console.Error.WriteLine($"Clean-up incomplete: {ex.Message}");
        }
    }

    public static int Pid(LocalServers servers, string process) =>
        servers.Description.Processes.Single(p => p.Name == process).Pid ?? throw new InvalidOperationException($"{process} is not running.");

    static async Task<FileStream> LockAsync(string path, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        for (var waited = false; ; waited = true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                if (!waited)
                    Console.WriteLine($"Another benchmark run holds {path}; waiting for it to finish.");
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
            }
        }
    }

    static void Add(Dictionary<string, double> total, Dictionary<string, double> more)
    {
        foreach (var (name, seconds) in more)
            total[name] = total.GetValueOrDefault(name) + seconds;
    }

    static string Capacity(int capacity) => capacity > 0 ? capacity.ToString(CultureInfo.InvariantCulture) : "unbounded";

    static string Line(LoadFigures f) =>
        $"{f.EventsPerSecond,8:N0} events/s  p50 {f.P50,7:0.0}  p90 {f.P90,7:0.0}  p99 {f.P99,7:0.0}  max {f.Max,7:0.0} ms  errors {f.ErrorText}";
}

/// <summary>The names the report uses for processes and targets.</summary>
public static class Names
{
    public const string Api = "Webhook.Api";
    public const string Console = "Webhook.Console";
    public const string Processor = "Webhook.Processor";
    public const string Baselines = "baselines host";
    public const string Generator = "load generator (bench)";
    public const string RabbitMq = "RabbitMQ";
    public const string Postgres = "PostgreSQL (all processes)";
    public const string Dynamo = "DynamoDB Local";
    public const string Machine = "whole machine";

    public const string BareTarget = "(a) bare endpoint, 202";
    public const string OursTarget = "ours: POST /webhooks/email";
    public const string BrokerTarget = "(b) raw publish + confirm";
    public const string PacedBrokerTarget = "(b) at ours' rate";
    public const string PacedBareTarget = "(a) at ours' rate";

    /// <summary>Section 1's targets, in the order of its tables.</summary>
    public static readonly string[] IngestTargets = [BareTarget, OursTarget, BrokerTarget, PacedBrokerTarget, PacedBareTarget];
    public const string NaiveTarget = "naive: work in the request";
    public const string NaiveUnboundedTarget = "naive, unbounded database";
}

public sealed record PhaseResult(LoadFigures Figures, Recording Recording, Dictionary<string, double> Cpu, Dictionary<string, double> PeakMemory,
    double? WarmupSeconds = null);

public sealed record IngestResult(Dictionary<string, LoadFigures> Figures, Dictionary<string, Dictionary<string, double>> Cpu, Dictionary<string, double> PeakMemory,
    Dictionary<string, double> WarmupSeconds);

/// <summary>The forged requests of <see cref="BenchmarkRun"/>'s refusal phase, their answers and the API's CPU over them.</summary>
public sealed record RefusedResult(long Requests, Dictionary<int, long> Statuses, double ApiCpuSeconds, double Seconds)
{
    public double ApiMicrosecondsPerRequest => Requests > 0 ? ApiCpuSeconds * 1_000_000 / Requests : 0;
}

public sealed record DrainResult(double EventsPerSecond, double Seconds, long Applied, long BacklogLeft, double SlotsBusy, Dictionary<string, double> Cpu,
    SlotOccupancy Occupancy)
{
    /// <summary>W alone, back to back at the limit, measured right after the drain: what any design could reach here.</summary>
    public DrainFloor? Floor { get; init; }

    /// <summary>The drain's rate over the floor's; null without a floor.</summary>
    public double? ShareOfFloor => Floor is { EventsPerSecond: > 0 } floor ? EventsPerSecond / floor.EventsPerSecond : null;
}

public sealed record BurstResult(PhaseResult Ours, PhaseResult Naive, PhaseResult NaiveUnbounded, DrainResult Drain,
    Dictionary<string, (long InDatabase, long Running)> Concurrency, Dictionary<string, double> PeakMemory,
    Dictionary<string, MemoryComposition> Composition);

public sealed record Results
{
    public Machine? Machine { get; init; }
    public double TotalSeconds { get; init; }
    /// <summary>The share of the cores' time over the scenarios that the hypervisor gave to other machines.</summary>
    public double StolenShare { get; init; }
    public required IngestResult Ingest { get; init; }
    public required PhaseResult Batches { get; init; }
    public required BurstResult Burst { get; init; }
    public SlotCost? Slots { get; init; }
    public RefusedResult? Refused { get; init; }
    public required ConsoleResult Console { get; init; }
    public required string[] Watched { get; init; }
    public required string[] WithoutPeakMemory { get; init; }
}
