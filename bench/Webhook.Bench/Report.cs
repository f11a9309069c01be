using System.Globalization;
using System.Text;
using Webhook.Testing;

namespace Webhook.Bench;

/// <summary>Writes docs/benchmarks.md (or --output) and the burst chart beside it, and prints the targets.</summary>
public sealed class Report(BenchOptions options, Results results)
{
    readonly StringBuilder _md = new();

    public void Write(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var chart = Path.GetFileNameWithoutExtension(path) + "-burst.svg";
        File.WriteAllText(Path.Combine(directory, chart), Chart.Svg(
            $"Acknowledgement latency during a burst of {options.Burst:N0} events, {options.Connections} connections, W = {options.WorkMilliseconds} ms",
            [("Ours: API publishes and answers; the Processor does the work later, 3 at a time", results.Burst.Ours.Recording),
             ($"Naive: the work inside the request, database capacity {options.DatabaseCapacity}", results.Burst.Naive.Recording)]));

        var targets = Targets();
        Header();
        TargetTable(targets);
        Ingest();
        Batches();
        Burst(chart);
        Drain();
        Memory();
        Verification();
        ConsoleSection();
        Method();
        Bounds();
        File.WriteAllText(path, _md.ToString());

        Console.WriteLine();
        foreach (var t in targets)
            Console.WriteLine($"{(t.Met ? "met   " : "MISSED")}  {t.Name}: {t.Measured}");
    }

    // ------------------------------------------------------------------------------------------ sections

    void Header()
    {
        var m = results.Machine!;
        Line("# Benchmarks");
        Line();
        Line("Written by `bench/Webhook.Bench`; do not edit by hand: the command below reproduces every figure on this page.");
        if (options.Quick)
            Line("**Quick run** (`--quick`): a few seconds per scenario and a small burst. It proves the tool works; its figures mean nothing.");
        Line();
        Line($"Run on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {results.TotalSeconds / 60:0.0} minutes in all.");
        Line();
        Line("## Machine");
        Line();
        Line("| | |");
        Line("|---|---|");
        Line($"| cores (nproc) | {m.Cores} |");
        Line($"| CPU model | {m.Model} |");
        Line($"| memory | {m.MemoryGiB:0.#} GiB |");
        Line($"| system | {m.OperatingSystem}, {m.Runtime} |");
        Line($"| load average when the run began | {m.LoadAverage} |");
        Line($"| the cores' time the hypervisor gave to other machines over the scenarios (steal) | {results.StolenShare:0%} |");
        Line();
        Line("Everything runs on these cores at once: RabbitMQ, PostgreSQL, DynamoDB Local, the API, the Processor, the " +
             "baselines host, and the load generator (this tool: `HttpClient` over `SocketsHttpHandler`, one connection per " +
             "worker, requests signed as they are sent). The machine may be shared with other work: the *whole machine* row " +
             "of each CPU table shows what every process on it used, ours or not. Absolute figures are therefore noisy; the " +
             "ratios compare targets measured in the same run, interleaved where they run side by side.");
        Line();
        Line("## Command");
        Line();
        Line("```");
        Line(CommandLine(options));
        Line("```");
        Line();
        Line("It builds what it runs, starts the servers of the `bench` profile of `deploy/local/servers.sh` (their own ports, " +
             "beside a dev system or a test run), starts the API, the Processor and the baselines host from their Release " +
             "output as separate processes (Production, configured through environment variables, a database, virtual host " +
             "and table prefix of their own), runs every scenario, removes what it created and stops the servers.");
        Line();
    }

    public const string TargetsHeading = "## Targets";
    public const string TargetsTableHead = "| target (issues 5, 11 and 13) | measured | |";

    public static string TargetRow(ReportTarget t) => $"| {t.Name} | {t.Measured} | {(t.Met ? "met" : "**missed**")} |";

    public static string CommandLine(BenchOptions options) =>
        "dotnet run -c Release --project bench/Webhook.Bench" + (options.Arguments.Count > 0 ? " -- " + string.Join(' ', options.Arguments) : "");

    void TargetTable(List<ReportTarget> targets)
    {
        Line(TargetsHeading);
        Line();
        Line(TargetsTableHead);
        Line("|---|---|---|");
        foreach (var t in targets)
            Line(TargetRow(t));
        Line();
        Line("Where a target is missed, [What bounds the figures](#what-bounds-the-figures) says why.");
        Line();
    }

    void Ingest()
    {
        var f = results.Ingest.Figures;
        var ours = f[Names.OursTarget];
        Line("## 1. Ingest: one signed event per request");
        Line();
        Line($"{options.Connections} connections (or publishes in flight), {options.DurationSeconds:0.#} s per target, as " +
             $"{options.Rounds} interleaved rounds of {options.DurationSeconds / options.Rounds:0.#} s after {Warmup(results.Ingest.WarmupSeconds)}. " +
             "*Ours* is `POST /webhooks/email` through the API: verify, parse, publish with publisher confirms, 202. " +
             "(a) is a bare ASP.NET Core endpoint answering 202 to the same requests (the HTTP ceiling); (b) is the API's " +
             "own publisher (the product's `RabbitMqEventPublishing`: confirms, mandatory, the same exchanges and quorum queue) without HTTP, " +
             $"{options.Connections} publishes awaited at once from the benchmark's process (the broker ceiling); *(b) at ours' rate* is " +
             "the same publishing, started at the rate ours reached in the round just before it (at most " +
             $"{options.Connections} at once), for the broker's CPU per event at the same rate; *(a) at ours' rate* likewise the " +
             "bare endpoint, for what HTTP alone costs a server at the API's load (the baselines host runs with the API's " +
             "runtime settings). The " +
             "Processor is running and consuming throughout, as in production, for all of them alike.");
        Line();
        LoadTable(Names.IngestTargets, n => f[n], latencyName: "latency");
        Line();
        Line($"**ours / (a) = {Ratio(ours.EventsPerSecond, f[Names.BareTarget].EventsPerSecond)}**, " +
             $"**ours / (b) = {Ratio(ours.EventsPerSecond, f[Names.BrokerTarget].EventsPerSecond)}**.");
        Line();
        CpuTable("CPU seconds used while each target ran", Names.IngestTargets,
            n => results.Ingest.Cpu[n], n => f[n].Seconds, n => f[n].Succeeded);
        if (results.Refused is { } r)
        {
            var accepted = IngestCpuPerEvent(Names.OursTarget, Names.Api);
            Line();
            Line($"**What a fake costs.** Forged requests (the same shape, signed with a key that is not ours) from one client, " +
                 $"{options.Connections} at once for {r.Seconds:0.0} s: {r.Requests:N0} refused " +
                 $"({string.Join(", ", r.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Value:N0} × {s.Key}"))}; the client's budget of refusals " +
                 $"turns 401 into 429 once spent). The API's CPU: **{r.ApiMicrosecondsPerRequest:0} µs per refused request**, " +
                 $"against {accepted:0} µs per accepted event above.");
        }
    }

    /// <summary>How the targets were warmed up, and for how long each.</summary>
    string Warmup(Dictionary<string, double> seconds) => options.Quick
        ? $"a {options.WarmupSeconds:0} s warm-up of each"
        : "a warm-up of each for as long as the CPU its own process spends per request kept falling (slices of " +
          $"{options.WarmupSeconds:0} s, at most {options.MaxWarmupSeconds:0} s; here " +
          $"{string.Join(", ", seconds.Select(w => $"{w.Key} {w.Value:0} s"))}): tiered compilation goes on long after the " +
          "first requests ([profile](profiles.md))";

    void Batches()
    {
        var b = results.Batches;
        Line("## 2. Batches: SendGrid, 100 events per request");
        Line();
        Line($"`POST /webhooks/sendgrid`, each a JSON array of {BenchOptions.BatchSize} events signed with ECDSA P-256 as SendGrid " +
             $"signs (a key made for the run; its public half is `Webhooks:SendGrid:VerificationKey`), {options.Connections} " +
             $"connections, {options.DurationSeconds:0.#} s after a warm-up of {b.WarmupSeconds:0} s (as in section 1). Every event is " +
             "published and confirmed before the 202.");
        Line();
        LoadTable(["SendGrid batches"], _ => b.Figures, latencyName: "latency per batch", requests: true);
        Line();
        Line($"With {options.Connections} batches in flight, {options.Connections * BenchOptions.BatchSize:N0} publishes await their " +
             $"confirms at once; the API's peak resident memory here was {b.PeakMemory.GetValueOrDefault(Names.Api):0} MiB (section 5).");
        Line();
        CpuTable("CPU seconds", ["SendGrid batches"], _ => b.Cpu, _ => b.Figures.Seconds, _ => b.Figures.Succeeded * (double)BenchOptions.BatchSize);
    }

    void Burst(string chart)
    {
        var b = results.Burst;
        Line("## 3. A burst with slow downstream work (the seed's scenario)");
        Line();
        Line($"Every event costs the database W = {options.WorkMilliseconds} ms of work, and the database completes at most " +
             $"{Capacity} such operations at once: beyond that, operations queue inside it, as they queue on locks, CPU or " +
             $"disk in a real one. A burst of {options.Burst:N0} single-event requests arrives on {options.Connections} connections.");
        Line();
        Line("- **Ours**: the real API and the real Processor (limit 3). The work runs in the Processor's own transaction: a " +
             "trigger on `inbox_messages`, created only in the benchmark's database, calls `bench_work(…)` for every event " +
             "applied. The request is acknowledged once the event is in the broker.");
        Line("- **Naive**: an endpoint of the baselines host (not part of the product) that verifies the signature and calls " +
             "the same `bench_work(…)` inside the request through Npgsql's default pool (100 connections, as a typical " +
             "application has), acknowledging when the work is done.");
        Line("- **Naive, unbounded database**: the same, against a database that never runs out of capacity (pure " +
             "`pg_sleep`), for comparison: the best the naive design can do.");
        Line();
        Line("Operations at once are counted in the database, exactly: `bench_work` logs when each operation entered the " +
             "database, got its slot and finished, and a sweep over those instants gives the peak.");
        Line();
        Line("| design | events/s acknowledged | ack p50 | ack p90 | ack p99 | ack max | every event acknowledged after | errors | database operations at once (peak) | of which running |");
        Line("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|");
        foreach (var (name, phase, design) in new[] { (Names.OursTarget, b.Ours, "ours"), (Names.NaiveTarget, b.Naive, "naive"), (Names.NaiveUnboundedTarget, b.NaiveUnbounded, "naive-unbounded") })
        {
            var f = phase.Figures;
            var c = b.Concurrency[design];
            Line($"| {name} | {f.EventsPerSecond:N0} | {Ms(f.P50)} | {Ms(f.P90)} | {Ms(f.P99)} | {Ms(f.Max)} | {phase.Recording.Seconds:0.0} s | {f.ErrorText} | {c.InDatabase} | {c.Running} |");
        }
        Line();
        Line($"**naive p99 / ours p99 = {b.Naive.Figures.P99 / b.Ours.Figures.P99:0.0}×**; every event acknowledged " +
             $"{b.Naive.Recording.Seconds / b.Ours.Recording.Seconds:0.0}× sooner with ours. Against the unbounded database: " +
             $"p99 ratio {b.NaiveUnbounded.Figures.P99 / b.Ours.Figures.P99:0.00}×.");
        Line();
        Line($"![Acknowledgement latency over time during the burst, ours and naive]({chart})");
        Line();
        CpuTable("CPU seconds", [Names.OursTarget, Names.NaiveTarget, Names.NaiveUnboundedTarget],
            n => n == Names.OursTarget ? b.Ours.Cpu : n == Names.NaiveTarget ? b.Naive.Cpu : b.NaiveUnbounded.Cpu,
            n => n == Names.OursTarget ? b.Ours.Recording.Seconds : n == Names.NaiveTarget ? b.Naive.Recording.Seconds : b.NaiveUnbounded.Recording.Seconds,
            n => (n == Names.OursTarget ? b.Ours : n == Names.NaiveTarget ? b.Naive : b.NaiveUnbounded).Figures.Succeeded);
    }

    void Drain()
    {
        var d = results.Burst.Drain;
        Line("## 4. Drain: the Processor working through the backlog");
        Line();
        Line($"Right after the burst was acknowledged, the events applied (rows added to `inbox_messages`) over {d.Seconds:0} s, " +
             $"with the work of scenario 3 (W = {options.WorkMilliseconds} ms per event) at the limit of {BenchOptions.ConcurrencyLimit}. " +
             $"The ceiling is {BenchOptions.ConcurrencyLimit} / W = {Ceiling:0} events/s. Per event the Processor also applies " +
             "it to the marketing tables in the same transaction as the work, and counts it in DynamoDB meanwhile: what it " +
             "does besides W while holding a slot is the time per event beyond W.");
        Line();
        Line("| applied | over | events/s | ceiling 3 / W | of the ceiling | time per event at the limit | slots doing the work | still queued at the end |");
        Line("|---:|---:|---:|---:|---:|---:|---:|---:|");
        Line($"| {d.Applied:N0} | {d.Seconds:0.0} s | {d.EventsPerSecond:0.0} | {Ceiling:0} | {d.EventsPerSecond / Ceiling:0%} | " +
             $"{(d.EventsPerSecond > 0 ? BenchOptions.ConcurrencyLimit * 1000 / d.EventsPerSecond : 0):0.0} ms | {d.SlotsBusy:0%} | {d.BacklogLeft:N0} |");
        Line();
        Line("*Slots doing the work*: the share of the time the limit's slots spent inside W, from the database's own log; " +
             "the rest of the time a slot was held for the statement's other steps and its commit, or free.");
        Line();
        if (d.Floor is { } floor)
        {
            Line($"**The floor.** Right after the drain, with the queue emptied and the Processor idle, {BenchOptions.ConcurrencyLimit} " +
                 "sessions of this tool's own ran the same work W back to back for " +
                 $"{floor.Seconds:0} s, each on a connection of its own with the statement prepared, and did nothing else: no inbox, " +
                 "no marketing tables, no statistics, no Processor between one operation and the next. No design that does W under " +
                 "the same limit drains faster on this database and these cores; the machine was calmer then than during the drain " +
                 "(no DynamoDB writes, no deliveries), which favours the floor.");
            Line();
            Line("| | events/s | of the ceiling 3 / W | W as the database ran it | time per operation at the limit | the drain, of the floor |");
            Line("|---|---:|---:|---:|---:|---:|");
            Line($"| W alone, back to back on {BenchOptions.ConcurrencyLimit} sessions | {floor.EventsPerSecond:0.0} | {floor.EventsPerSecond / Ceiling:0%} | " +
                 $"{floor.WorkMillisecondsPerOperation:0.00} ms | {floor.MillisecondsPerOperation:0.00} ms | {d.ShareOfFloor:0%} |");
            Line();
            Line($"*W as the database ran it*: from the work's own log, its slot taken to its end; `pg_sleep({options.WorkMilliseconds / 1000.0:0.###})` " +
                 "wakes after its time, never before.");
            Line();
        }
        var o = d.Occupancy;
        Line($"Each store's slots, sampled every 20 ms from `pg_locks` over the drain ({o.Samples:N0} samples); by Little's law, " +
             "the slots held on average over the events applied per second is how long an event held one:");
        Line();
        Line($"| store's slots | held on average (of {BenchOptions.ConcurrencyLimit}) | all held | time an event held one |");
        Line("|---|---:|---:|---:|");
        Line($"| PostgreSQL's (the statement, W inside it) | {o.Postgres.MeanHeld:0.00} | {o.Postgres.AllHeld:0%} | {o.Postgres.MillisecondsPerEvent(d.EventsPerSecond):0.0} ms |");
        Line($"| the statistics' (the DynamoDB write) | {o.Statistics.MeanHeld:0.00} | {o.Statistics.AllHeld:0%} | {o.Statistics.MillisecondsPerEvent(d.EventsPerSecond):0.0} ms |");
        Line();
        if (d.BacklogLeft <= 0)
            Line("The backlog ran out during the window, so the rate above understates the Processor's.");
        if (results.Slots is { } slots)
        {
            var perEvent = d.EventsPerSecond > 0 ? BenchOptions.ConcurrencyLimit * 1_000_000 / d.EventsPerSecond : 0;
            Line($"**What the slots cost an event.** The limit is held in PostgreSQL by slots, one set per store: the " +
                 "event's statement takes its PostgreSQL slot in its first step (a transaction advisory lock, `StatementSlots`), " +
                 "which goes with its commit, and its DynamoDB write holds a slot of its own (a session advisory lock, " +
                 $"`DatabaseSlots`) meanwhile, outside PostgreSQL's. Each measured {slots.Samples:N0} times one after another on " +
                 "this database with every slot free, beside what the event pays anyway:");
            Line();
            Line("| | p50 | p99 |");
            Line("|---|---:|---:|");
            Line($"| a statement taking PostgreSQL's slot | {slots.InStatement.P50Us:0} µs | {slots.InStatement.P99Us:0} µs |");
            Line($"| the same statement without it | {slots.StatementAlone.P50Us:0} µs | {slots.StatementAlone.P99Us:0} µs |");
            Line($"| the statistics' slot taken and given back (session included) | {slots.Session.P50Us:0} µs | {slots.Session.P99Us:0} µs |");
            Line($"| a session opened from the pool and closed alone | {slots.Connection.P50Us:0} µs | {slots.Connection.P99Us:0} µs |");
            Line();
            Line($"PostgreSQL's slot adds {slots.InStatementAddedP50Us:0} µs (p50) to the time an event holds its place at the limit" +
                 (perEvent > 0 ? $" ({slots.InStatementAddedP50Us / perEvent:0.0%} of the {perEvent / 1000:0.0} ms in the drain above)" : "") +
                 $"; the statistics' slot adds {slots.SessionAddedP50Us:0} µs to the DynamoDB write, which runs beside it.");
            Line();
        }
        CpuTable("CPU seconds during the drain", ["drain"], _ => d.Cpu, _ => d.Seconds, _ => d.Applied);
    }

    void Memory()
    {
        Line("## 5. Memory: peak resident set size");
        Line();
        Line("VmHWM of each process, reset (`/proc/<pid>/clear_refs`) at the start of each scenario. PostgreSQL is left " +
             "out: its memory is shared between one process per connection.");
        Line();
        var columns = new (string Name, Dictionary<string, double> Peaks)[]
        {
            ("1. ingest", results.Ingest.PeakMemory),
            ("2. batches", results.Batches.PeakMemory),
            ("3. burst + 4. drain, ours", results.Burst.PeakMemory),
            ("3. naive", results.Burst.Naive.PeakMemory),
        };
        Line($"| process | {string.Join(" | ", columns.Select(c => c.Name))} |");
        Line($"|---|{string.Concat(columns.Select(_ => "---:|"))}");
        foreach (var name in results.Watched.Except(results.WithoutPeakMemory))
            Line($"| {name} | {string.Join(" | ", columns.Select(c => c.Peaks.TryGetValue(name, out var v) ? $"{v:0} MiB" : "—"))} |");
        Line();
        Line("Targets: the Processor under 150 MiB during 1 and 3; the API under 150 MiB during 1 and under 250 MiB during 2.");
        Line();
        Line("What the resident memory was made of at the end of scenario 4 (from `/proc/<pid>/status`): *private* " +
             "(RssAnon: the GC heap, thread stacks, native allocations), *mapped files* (RssFile: the runtime's and the " +
             "assemblies' code and data), *shared* (RssShmem: for .NET mostly its executable memory, which W^X maps twice).");
        Line();
        Line("| process | private | mapped files | shared | total |");
        Line("|---|---:|---:|---:|---:|");
        foreach (var (name, c) in results.Burst.Composition)
            Line($"| {name} | {c.Private:0} MiB | {c.Files:0} MiB | {c.Shared:0} MiB | {c.Private + c.Files + c.Shared:0} MiB |");
        Line();
    }

    void Verification()
    {
        Line("## 6. Verification micro-benchmarks");
        Line();
        Line("Not rerun here (they take minutes and need a quiet machine more than this run does): the figures of " +
             "[verification-benchmarks.md](verification-benchmarks.md), measured with BenchmarkDotNet by " +
             "`bench/Webhook.Bench.Verification`, copied from that page when this run was written:");
        Line();
        var source = Path.Combine(Repository.Root, "docs", "verification-benchmarks.md");
        var table = File.Exists(source)
            ? File.ReadLines(source).SkipWhile(l => !l.StartsWith("## Figures", StringComparison.Ordinal)).Where(l => l.StartsWith('|')).ToList()
            : [];
        if (table.Count == 0)
            Line("(docs/verification-benchmarks.md has no figures table.)");
        foreach (var row in table)
            Line(row);
        Line();
    }

    void ConsoleSection() => _md.Append(new ConsoleReport(options, results.Console, results.Machine!).Section()).Append('\n');

    void Method()
    {
        Line("## How it is measured");
        Line();
        Line("- Load is closed-loop: each of the N workers sends its next request when the last one was answered. Latency is " +
             "from sending the request to reading the whole response, as the sender sees it; it includes the load generator's " +
             "own queueing on the shared cores.");
        Line("- events/s counts only events acknowledged with 202; *errors* lists every other status (\"no answer\": the " +
             "connection failed).");
        Line("- Percentiles are exact, over every request of the scenario.");
        Line("- CPU seconds: utime + stime from `/proc/<pid>/stat` (for PostgreSQL, the postmaster and all its backends, " +
             "reaped ones included); *whole machine*: every process, from `/proc/stat`, without the time stolen by the " +
             "hypervisor (the Machine table gives that share: on a virtual machine whose host is busy, the cores look " +
             "idle part of the time while every process here waits for them).");
        Line("- Event ids are all distinct: nothing is skipped as a duplicate.");
        Line("- Each run keeps its hosts' logs under `.state/bench/runs/<run>/`; `--keep-data` leaves its database, virtual " +
             "host and tables for inspection, `--keep-servers` the servers.");
        Line();
        Line("To look inside a process while a run goes on (the tools are in the repository's tool manifest; `pgrep -f " +
             "Webhook.Processor.dll` gives the PID): `dotnet tool restore`, then `dotnet dotnet-counters monitor -p <pid> " +
             "--counters System.Runtime` for GC, allocation and exception rates, `dotnet dotnet-trace collect -p <pid> " +
             "--providers Microsoft-Windows-DotNETRuntime:0x8000:4` for every exception thrown, with its stack, and " +
             "`--profile dotnet-sampled-thread-time` for where the threads spend their time.");
        Line();
    }

    /// <summary>
    /// Where an event's time at the limit goes, from how full each store's slots were kept: PostgreSQL's slot held
    /// (W, then the statement's other steps and its commit) or free between one commit and the next statement, and
    /// whether the statistics' slots, beside them, were the fuller.
    /// </summary>
    string OccupancyBound(DrainResult d)
    {
        var (postgres, statistics) = (d.Occupancy.Postgres, d.Occupancy.Statistics);
        var limit = BenchOptions.ConcurrencyLimit;
        var held = postgres.MillisecondsPerEvent(d.EventsPerSecond);
        var free = (limit - postgres.MeanHeld) * 1000 / d.EventsPerSecond;
        var text = $"Sampled from `pg_locks`, an event held its PostgreSQL slot {held:0.0} ms: W and " +
                   $"{Math.Max(0, held - options.WorkMilliseconds):0.0} ms of the statement's other steps and its commit. For " +
                   $"{free:0.0} ms more per event a slot stood free, between one event's commit and the next event's statement " +
                   "taking it. ";
        if (statistics.AllHeld > postgres.AllHeld + 0.05)
            return text + $"The statistics' slots were all taken {statistics.AllHeld:0%} of the time against PostgreSQL's " +
                   $"{postgres.AllHeld:0%} ({statistics.MillisecondsPerEvent(d.EventsPerSecond):0.0} ms per event): the " +
                   $"DynamoDB writes, limited to {limit} at once as well and slower than W, are what the events in hand " +
                   "waited for (an event leaves the Processor's hands once both stores have it, and it has twice the limit " +
                   "in hand), so a free PostgreSQL slot had no event to take it, and they bound the rate. ";
        text += "That is the hand-over through the Processor (the result back to it, the next statement out, each a " +
                "wake-up on cores the other processes keep busy). ";
        return text + $"The statistics' slots were all taken {statistics.AllHeld:0%} of the time, PostgreSQL's " +
               $"{postgres.AllHeld:0%} ({statistics.MillisecondsPerEvent(d.EventsPerSecond):0.0} ms per event against " +
               $"{held:0.0}): the DynamoDB writes kept up, and the hand-over between statements is the gap to the ceiling. " +
               "Neither four times the limit in hand instead of twice nor a gate that hands a place to the next event on the " +
               "thread giving it up changed it ([profiles.md](profiles.md), sections 13 and 15): the next statement waits " +
               "for two processes to wake in turn, not for a delivery or a thread. ";
    }

    /// <summary>How much of the drain's gap to limit / W the floor (W alone, back to back) shows to be the database's own.</summary>
    string FloorBound(DrainResult d)
    {
        if (d.Floor is not { EventsPerSecond: > 0 } floor || d.EventsPerSecond <= 0)
            return "";
        var floorPerEvent = floor.MillisecondsPerOperation;
        var oursPerEvent = BenchOptions.ConcurrencyLimit * 1000 / d.EventsPerSecond;
        return $"W alone, back to back at the limit on connections of their own, took {floorPerEvent:0.0} ms per operation " +
               $"({floor.EventsPerSecond / Ceiling:0%} of the ceiling): {floorPerEvent - options.WorkMilliseconds:0.0} ms of the gap " +
               $"is the database's own (W as it ran, {floor.WorkMillisecondsPerOperation:0.00} ms, and the round trip), and " +
               $"{Math.Max(0, oursPerEvent - floorPerEvent):0.0} ms per event is the Processor's (its statement's other work in " +
               $"the database and its commit, and a slot's time free as above; {d.ShareOfFloor:0%} of the floor). ";
    }

    void Bounds()
    {
        Line("## What bounds the figures");
        Line();
        var ingestCpu = results.Ingest.Cpu[Names.OursTarget];
        var ingestSeconds = results.Ingest.Figures[Names.OursTarget].Seconds;
        var cores = results.Machine!.Cores;
        var busy = ingestCpu.GetValueOrDefault(Names.Machine) / (ingestSeconds * cores);
        Line($"- **Ingest** used {busy:0%} of the machine's {cores} cores while ours ran. Where the CPU went: " +
             string.Join(", ", ingestCpu.Where(c => c.Key != Names.Machine).OrderByDescending(c => c.Value)
                 .Select(c => $"{c.Key} {c.Value / ingestSeconds / cores:0%}")) +
             $", other processes {Math.Max(0, ingestCpu.GetValueOrDefault(Names.Machine) - ingestCpu.Where(c => c.Key != Names.Machine).Sum(c => c.Value)) / ingestSeconds / cores:0%}. " +
             $"The Processor and its two stores, working through the queue meanwhile, took {Background(ingestCpu) / ingestSeconds / cores:0%} " +
             "of it, for every target alike. " +
             "When the cores are saturated, the API's share of them, not the broker, is what limits it: the broker " +
             "ceiling (b) spends no CPU on HTTP, neither in a server nor in the load generator. CPU per event on the " +
             "intake's path: " +
             $"ours {PerEvent(Names.OursTarget)}; (b) {PerEvent(Names.BrokerTarget)}; (a) {PerEvent(Names.BareTarget)}.");
        Line(BrokerBound());
        var apiPerEvent = IngestCpuPerEvent(Names.OursTarget, Names.Api);
        // The baselines host's CPU per request of the bare endpoint at ours' rate: HTTP alone at the API's load.
        var bare = IngestCpuPerEvent(Names.PacedBareTarget, Names.Baselines);
        Line($"- **The API's CPU per event**: {apiPerEvent:0} µs, of which a bare ASP.NET Core endpoint answering the same " +
             $"requests at the same rate ((a) at ours' rate) spends {bare:0} µs on HTTP alone, with nothing verified, parsed " +
             $"or published; the request's own work (the signature, the parse, the envelope, the publish and its confirm) is " +
             $"the other {Math.Max(0, apiPerEvent - bare):0} µs.");
        Line("- **Inside the API**, a profile taken with `perf` while the benchmark ran " +
             "([profiles.md](profiles.md), section 11) finds no hot spot at the intake: two fifths of its CPU is " +
             "the kernel (half of that the sends, one to the client and one to the broker per event), a quarter the " +
             "runtime's async machinery, thread pool and allocation, a few percent each Kestrel, JSON, HMAC, " +
             "RabbitMQ.Client and our own code. In the SendGrid batches the garbage collector's threads take a ninth of it.");
        Line(BatchesBound());
        var d = results.Burst.Drain;
        if (d.EventsPerSecond > 0)
            Line($"- **Drain**: {BenchOptions.ConcurrencyLimit * 1000 / d.EventsPerSecond:0.0} ms per event at the limit, of which W = {options.WorkMilliseconds} ms " +
                 "is the simulated work. An event's PostgreSQL work is one statement, which takes its slot in its first step " +
                 "and frees it with its commit; the Processor has twice the limit in hand, so deliveries, acknowledgements " +
                 "and the DynamoDB writes (under slots of their own) run beside the statements, not between them. " +
                 $"The slots were busy with W {d.SlotsBusy:0%} of the time. " + OccupancyBound(d) + FloorBound(d) +
                 (d.Applied > 0 && d.Cpu.TryGetValue(Names.Dynamo, out var dynamo)
                     ? $"DynamoDB Local spent {dynamo * 1000 / d.Applied:0.0} ms of CPU per event applied (one transaction of four items, " +
                       "and a read for an open that came out of order): at the ceiling it would need " +
                       $"{dynamo / d.Applied * BenchOptions.ConcurrencyLimit * 1000 / options.WorkMilliseconds:0%} of one core for itself. " +
                       "Its cost per transaction is the emulator's own: 5-7 ms of CPU, one at a time, whether its data is on disk, on a tmpfs or in memory " +
                       "([profiles.md](profiles.md#4-the-drain-the-processors-idle-workers-and-dynamodb-local))."
                     : ""));
        foreach (var process in new[] { Names.Api, Names.Processor })
        {
            if (results.Burst.Composition.TryGetValue(process, out var c))
                Line($"- **Memory of {process}**: {c.Private:0} MiB private (GC heap, stacks, native), {c.Files:0} MiB of mapped " +
                     $"files (the runtime's and the assemblies' code), {c.Shared:0} MiB shared (executable memory, mapped twice " +
                     "under W^X) at the end of scenario 4: most of it is code, which grows with the libraries a host loads, not with load.");
        }
        var burst = results.Burst;
        Line("- **Burst**: our acknowledgement latency is the intake's (HTTP and a confirmed publish) under a load that keeps " +
             "every connection busy, on cores the servers share; the naive design's is the database's queue: with N " +
             "connections and a database that completes C operations of W ms at once, each request waits about N × W / C" +
             (options.DatabaseCapacity > 0
                 ? $" = {options.Connections} × {options.WorkMilliseconds} / {options.DatabaseCapacity} = {options.Connections * options.WorkMilliseconds / (double)options.DatabaseCapacity:0} ms"
                 : "") +
             $", p99 {Ms(burst.Naive.Figures.P99)} here. A ratio of 20 would need our p99 at {Ms(burst.Naive.Figures.P99 / 20)}; " +
             $"it was {Ms(burst.Ours.Figures.P99)} (the intake's p99 in scenario 1: {Ms(results.Ingest.Figures[Names.OursTarget].P99)}). A database that runs every operation " +
             $"at once (the unbounded row) spares the naive design its queue, not the database its {burst.Concurrency["naive-unbounded"].InDatabase} " +
             "operations at once.");
        Line();
    }

    // ------------------------------------------------------------------------------------------ targets

    List<ReportTarget> Targets()
    {
        var f = results.Ingest.Figures;
        var ours = f[Names.OursTarget];
        var broker = f[Names.BrokerTarget];
        var b = results.Burst;
        var p99Ratio = b.Naive.Figures.P99 / b.Ours.Figures.P99;
        var peak = b.Concurrency["ours"].InDatabase;
        var drainShare = b.Drain.EventsPerSecond / Ceiling;
        var targets = new List<ReportTarget>
        {
            new($"ingest ≥ 80% of the broker ceiling (b)", $"{Ratio(ours.EventsPerSecond, broker.EventsPerSecond)} ({ours.EventsPerSecond:N0} / {broker.EventsPerSecond:N0} events/s)",
                ours.EventsPerSecond >= 0.8 * broker.EventsPerSecond),
            new("ingest p99 ≤ 50 ms", Ms(ours.P99), ours.P99 <= 50),
            new("burst: our ack p99 ≥ 20 × lower than the naive design's", $"{p99Ratio:0.0}× ({Ms(b.Ours.Figures.P99)} vs {Ms(b.Naive.Figures.P99)})", p99Ratio >= 20),
            new($"burst: the database never sees more than the limit ({BenchOptions.ConcurrencyLimit})", $"peak {peak} (naive: {b.Concurrency["naive"].InDatabase})", peak <= BenchOptions.ConcurrencyLimit),
            new($"drain ≥ 95% of 3 / W = {Ceiling:0} events/s", $"{b.Drain.EventsPerSecond:0.0} events/s = {drainShare:0%}" +
                (b.Drain.Floor is { EventsPerSecond: > 0 } floor
                    ? $" (W alone back to back at the limit, here: {floor.EventsPerSecond:0.0} = {floor.EventsPerSecond / Ceiling:0%}; the drain made {b.Drain.ShareOfFloor:0%} of it)"
                    : ""), drainShare >= 0.95),
        };
        var apiPerEvent = IngestCpuPerEvent(Names.OursTarget, Names.Api);
        targets.Add(new("API CPU per accepted event at the ingest load ≤ 35 µs (on the slower machine of issue 13's two, ≤ 70 µs)",
            $"{apiPerEvent:0} µs (a bare endpoint's HTTP at the same rate: {IngestCpuPerEvent(Names.PacedBareTarget, Names.Baselines):0} µs)", apiPerEvent <= 35));
        var rabbitOurs = IngestCpuPerEvent(Names.OursTarget, Names.RabbitMq);
        var rabbitRaw = IngestCpuPerEvent(Names.BrokerTarget, Names.RabbitMq);
        var rabbitPaced = IngestCpuPerEvent(Names.PacedBrokerTarget, Names.RabbitMq);
        targets.Add(new("RabbitMQ CPU per event, ours within 10% of (b) at the same rate",
            $"{rabbitOurs:0} µs vs {rabbitPaced:0} µs ({Ratio(rabbitOurs, rabbitPaced)}); against (b) at its own rate, {rabbitRaw:0} µs ({Ratio(rabbitOurs, rabbitRaw)})",
            rabbitOurs <= 1.1 * rabbitPaced));
        var batchRate = results.Batches.Figures.EventsPerSecond;
        targets.Add(new("SendGrid batches of 100 ≥ 15,000 events/s", $"{batchRate:N0} events/s", batchRate >= 15_000));
        targets.AddRange(new ConsoleReport(options, results.Console, results.Machine!).Targets());
        var processor = new[] { results.Ingest.PeakMemory.GetValueOrDefault(Names.Processor), results.Burst.PeakMemory.GetValueOrDefault(Names.Processor) };
        targets.Add(new("Webhook.Processor peak RSS < 150 MiB (1. ingest; 3. burst + 4. drain)", $"{processor[0]:0} MiB and {processor[1]:0} MiB", processor.Max() < 150));
        var api = new[] { results.Ingest.PeakMemory.GetValueOrDefault(Names.Api), results.Batches.PeakMemory.GetValueOrDefault(Names.Api) };
        targets.Add(new("Webhook.Api peak RSS < 150 MiB in 1. ingest, < 250 MiB in 2. batches", $"{api[0]:0} MiB and {api[1]:0} MiB", api[0] < 150 && api[1] < 250));
        return targets;
    }

    // ------------------------------------------------------------------------------------------ helpers

    /// <summary>What the batches' rate is measured against: the machine's cores, and the broker's own ceiling (b).</summary>
    string BatchesBound()
    {
        var b = results.Batches;
        var seconds = Math.Max(b.Figures.Seconds, 1e-9);
        var cores = results.Machine!.Cores;
        double Share(string process) => b.Cpu.GetValueOrDefault(process) / seconds / cores;
        var ceiling = results.Ingest.Figures[Names.BrokerTarget].EventsPerSecond;
        var ofCeiling = ceiling > 0 ? b.Figures.EventsPerSecond / ceiling : 0;
        // EventPublisher.PublishesInFlight: each batch request has at most that many of its publishes awaiting confirms.
        const int perBatch = 32;
        var busy = Share(Names.Machine);
        var text = $"- **Batches** used {busy:0%} of the machine's {cores} cores for {b.Figures.EventsPerSecond:N0} events/s: " +
                   string.Join(", ", b.Cpu.Where(c => c.Key != Names.Machine && Share(c.Key) >= 0.01).OrderByDescending(c => c.Value)
                       .Select(c => $"{c.Key} {Share(c.Key):0%}")) +
                   $"; the Processor and its two stores, working through the queue meanwhile, took {Background(b.Cpu) / seconds / cores:0%} of it. " +
                   $"That is {ofCeiling:0%} of the broker ceiling (b) of section 1, which has {options.Connections} publishes awaiting " +
                   $"their confirms where the batches have up to {options.Connections * perBatch:N0} ({options.Connections} × {perBatch}).";
        // Only what the figures show: with the cores saturated, CPU bounds the rate; with cores to spare and the rate at
        // the broker's own, the broker's confirms do.
        if (busy >= 0.9)
            text += " The cores were saturated: the CPU per event of every process on them (the table above), not the broker's " +
                    "confirms, bounds the batches, and the drain's share is taken from them as much as the intake's.";
        else if (ofCeiling >= 0.85)
            text += $" With cores to spare and {perBatch} times as many publishes in flight, the broker confirmed them at about the " +
                    "rate of (b): its confirms to the one quorum queue, not the API's CPU, bound the batches on this machine.";
        return text;
    }

    /// <summary>What our publishes cost the broker, against the same publishing at its own rate and at ours.</summary>
    string BrokerBound()
    {
        var f = results.Ingest.Figures;
        var ours = IngestCpuPerEvent(Names.OursTarget, Names.RabbitMq);
        var raw = IngestCpuPerEvent(Names.BrokerTarget, Names.RabbitMq);
        var paced = IngestCpuPerEvent(Names.PacedBrokerTarget, Names.RabbitMq);
        // While (a) ran nothing was published: what RabbitMQ used then was the Processor's deliveries and acknowledgements
        // and its own upkeep, a cost per second rather than per published event.
        var idle = results.Ingest.Cpu[Names.BareTarget].GetValueOrDefault(Names.RabbitMq) / Math.Max(f[Names.BareTarget].Seconds, 1e-9);
        var text = $"- **The broker** spent {ours:0} µs of CPU per event of ours ({f[Names.OursTarget].EventsPerSecond:N0} events/s), " +
                   $"{raw:0} µs per event of (b) at its own rate ({f[Names.BrokerTarget].EventsPerSecond:N0} events/s) and {paced:0} µs " +
                   $"per event of (b) at ours' ({f[Names.PacedBrokerTarget].EventsPerSecond:N0} events/s). A faster stream of " +
                   "publishes shares the broker's reads, writes and confirms among more messages";
        text += idle >= 0.05
            ? $"; and while (a) ran, with nothing published, it still used {idle:0.00} s of CPU per second delivering to the " +
              "Processor and taking its acknowledgements, which fewer events a second bear more of each."
            : ".";
        text += ours <= 1.1 * paced
            ? " At the same rate, our publishes cost the broker what the raw ones do: the gap to (b) at its own rate is the rate's, not the messages'."
            : $" At the same rate our publishes still cost the broker {Ratio(ours, paced)} of the raw ones.";
        return text;
    }

    /// <summary>Microseconds of one process's CPU per event while an ingest target ran.</summary>
    double IngestCpuPerEvent(string target, string process) =>
        results.Ingest.Cpu[target].GetValueOrDefault(process) * 1e6 / Math.Max(1, results.Ingest.Figures[target].Succeeded);

    static double Background(Dictionary<string, double> cpu) =>
        cpu.GetValueOrDefault(Names.Processor) + cpu.GetValueOrDefault(Names.Dynamo) + cpu.GetValueOrDefault(Names.Postgres);

    /// <summary>Microseconds of CPU per event of the busiest processes while an ingest target ran.</summary>
    string PerEvent(string target)
    {
        var events = results.Ingest.Figures[target].Succeeded;
        // The processes on the intake's path; the Processor and its stores work through the queue in the background,
        // at the same pace whichever target runs.
        var path = new[] { Names.Api, Names.Baselines, Names.Generator, Names.RabbitMq };
        return string.Join(", ", results.Ingest.Cpu[target].Where(c => path.Contains(c.Key) && c.Value > 0.02 * results.Ingest.Figures[target].Seconds)
            .OrderByDescending(c => c.Value)
            .Select(c => $"{c.Key} {c.Value * 1e6 / Math.Max(events, 1):0} µs"));
    }

    double Ceiling => BenchOptions.ConcurrencyLimit * 1000.0 / options.WorkMilliseconds;

    string Capacity => options.DatabaseCapacity > 0 ? options.DatabaseCapacity.ToString(CultureInfo.InvariantCulture) : "unbounded";

    void LoadTable(string[] names, Func<string, LoadFigures> figures, string latencyName, bool requests = false)
    {
        Line($"| target | events/s |{(requests ? " requests/s |" : "")} {latencyName} p50 | p90 | p99 | max | requests | errors |");
        Line($"|---|---:|{(requests ? "---:|" : "")}---:|---:|---:|---:|---:|---|");
        foreach (var name in names)
        {
            var f = figures(name);
            Line($"| {name} | {f.EventsPerSecond:N0} |{(requests ? $" {f.RequestsPerSecond:N0} |" : "")} {Ms(f.P50)} | {Ms(f.P90)} | {Ms(f.P99)} | {Ms(f.Max)} | {f.Operations:N0} | {f.ErrorText} |");
        }
    }

    /// <param name="events">The events each column handled: when given, each cell also says the CPU per event, in µs.</param>
    void CpuTable(string title, string[] columns, Func<string, Dictionary<string, double>> cpu, Func<string, double> seconds,
        Func<string, double>? events = null)
    {
        Line($"{title} (and, in brackets, the share of the machine's {results.Machine!.Cores} cores over the target's wall time" +
             (events is null ? "" : "; after the dot, the CPU per event it handled") + "):");
        Line();
        Line($"| process | {string.Join(" | ", columns)} |");
        Line($"|---|{string.Concat(columns.Select(_ => "---:|"))}");
        foreach (var process in results.Watched.Append(Names.Machine))
        {
            var cells = columns.Select(c =>
            {
                var s = cpu(c).GetValueOrDefault(process);
                var cell = $"{s:0.0} s ({s / (seconds(c) * results.Machine.Cores):0%})";
                return events?.Invoke(c) is > 0 and var n ? $"{cell} · {s * 1_000_000 / n:0} µs" : cell;
            });
            Line($"| {process} | {string.Join(" | ", cells)} |");
        }
        Line();
    }

    static string Ratio(double a, double b) => b > 0 ? (a / b).ToString("0%", CultureInfo.InvariantCulture) : "—";

    public static string Ms(double ms) => ms >= 1000
        ? (ms / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s"
        : ms.ToString(ms < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " ms";

    void Line(string text = "") => _md.Append(text).Append('\n');
}

/// <summary>One row of the report's targets table.</summary>
public sealed record ReportTarget(string Name, string Measured, bool Met);
