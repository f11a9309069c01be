using System.Globalization;
using System.Text;

namespace Webhook.Bench;

/// <summary>
/// Section 7 of the report and its targets: written with the others by <see cref="Report"/> in a full run, or by a run
/// of the console alone (<c>--only console</c>) in place of the section and the targets the report had, the other
/// sections left as the last full run wrote them.
/// </summary>
public sealed class ConsoleReport(BenchOptions options, ConsoleResult result, Machine machine)
{
    public const string Heading = "## 7. Console";
    const string TargetPrefix = "console: ";

    /// <summary>The console's targets (issue 11).</summary>
    public IEnumerable<ReportTarget> Targets()
    {
        var c = result;
        yield return new($"{TargetPrefix}dashboard data for {ConsoleScenario.Days} days, p99 < 200 ms", Report.Ms(c.Daily.P99), c.Daily.P99 < 200);
        yield return new($"{TargetPrefix}top list, p99 < 200 ms", Report.Ms(c.Top.P99), c.Top.P99 < 200);
        yield return new($"{TargetPrefix}export ≥ 5,000 events/s", $"{c.Export.EventsPerSecond:N0} events/s", c.Export.EventsPerSecond >= 5000);
        yield return new($"{TargetPrefix}memory flat during the export",
            $"+{c.Export.GrewMiB:0} MiB for {c.Export.Events:N0} events, +{c.SmallExport.GrewMiB:0} MiB for {c.SmallExport.Events:N0}",
            c.GrowthBeyondSmallMiB <= ConsoleResult.FlatWithinMiB);
    }

    /// <param name="aloneSeconds">When the run was of this scenario alone, how long it took: the section then gives its own command.</param>
    public string Section(double? aloneSeconds = null)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        var c = result;
        Line($"{Heading}: the analysts' queries and the export");
        Line();
        if (aloneSeconds is { } seconds)
        {
            Line($"Measured by a run of this scenario alone on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {seconds / 60:0.0} minutes in all, on the " +
                 $"machine above; **load average when it began: {machine.LoadAverage}**{Busy()}. The command:");
            Line();
            Line("```");
            Line(Report.CommandLine(options));
            Line("```");
            Line();
        }
        Line($"The console (`Webhook.Console`, a process like the others, Production) over statistics tables of its own holding " +
             $"{c.Events:N0} events of {c.Emails:N0} emails over the {ConsoleScenario.Days} days up to yesterday: each email sent on a day of " +
             "the range, its events within the three days after, the events per email following a Zipf law (s = 1), 70% opens, " +
             "25% clicks, 5% spam reports. The tables were seeded through the product's key layout (`StatsTables`) with " +
             $"BatchWriteItem, the counters added up in memory first ({c.ItemsSeeded:N0} items in {c.SeedSeconds:0} s), not through the " +
             $"Processor. Queries one at a time after {(options.Quick ? 5 : 30)} warm-up requests, latency as the client sees it " +
             "(the whole answer read). *Others*: the CPU that processes other than the console, DynamoDB Local and this tool " +
             "used meanwhile, as a share of the machine's cores (a neighbour's work shows there).");
        Line();
        Line("| request | requests | p50 | p99 | max | CPU: console | DynamoDB Local | others |");
        Line("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, q) in new[]
                 {
                     ($"dashboard data: `GET /api/stats/daily`, {ConsoleScenario.Days} days", c.Daily),
                     ($"top list: `GET /api/stats/top?by=opens&limit=10`, {ConsoleScenario.Days} days ({c.Top.Method ?? "?"})", c.Top),
                 })
            Line($"| {name} | {q.Requests:N0} | {Report.Ms(q.P50)} | {Report.Ms(q.P99)} | {Report.Ms(q.Max)} | {Cpu(q.Cpu, q.Seconds)} |");
        Line();
        var e = c.Export;
        Line($"Export: `GET /api/export/events?format=ndjson` over the {ConsoleScenario.Days} days streamed **{e.Events:N0} events " +
             $"({e.MiB:0.0} MiB) in {e.Seconds:0.0} s = {e.EventsPerSecond:N0} events/s**. The console's resident memory (VmHWM, and " +
             "VmRSS sampled every 20 ms) and its private part (RssAnon: the GC heap, stacks, native memory) for three exports in a " +
             $"row: the first after its start, then one of the last {ConsoleScenario.Days / 10} days and the whole range again.");
        Line();
        Line("| export | events | sent | events/s | RSS before | peak during | grew by | private before → after | CPU: console | DynamoDB Local | others |");
        Line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, x) in new[] { ($"{ConsoleScenario.Days} days, the first", c.FirstExport), ($"{ConsoleScenario.Days / 10} days", c.SmallExport), ($"{ConsoleScenario.Days} days", e) })
            Line($"| {name} | {x.Events:N0} | {x.MiB:0.0} MiB | {x.EventsPerSecond:N0} | {x.RssBeforeMiB:0} MiB | {x.PeakMiB:0} MiB | {x.GrewMiB:0} MiB | " +
                 $"{x.PrivateBeforeMiB:0} → {x.PrivateAfterMiB:0} MiB | {Cpu(x.Cpu, x.Seconds)} |");
        Line();
        Line($"Ten times the events grew the memory by {c.GrowthBeyondSmallMiB:0} MiB more than a tenth of them did (flat: within " +
             $"{ConsoleResult.FlatWithinMiB:0} MiB). The first export grew it by {c.FirstExport.GrewMiB:0} MiB: the console holds at most " +
             "the pages of the next 3 days (1,000 events each) at once, and they outlive the garbage collector's youngest " +
             "generation, so its older generations grow by them until a full collection, by as much whatever the export's size.");
        Line();
        Line("What bounds these figures:");
        Line();
        Line($"- CPU per request, over the timed requests: dashboard data {PerRequest(c.Daily)}; top list {PerRequest(c.Top)}. DynamoDB " +
             "Local answers every query from one thread (its SQLite queue), so the queries a request sends at once still run one " +
             "after another there. The top list, found by the ranked walk, is 21 queries in two rounds (the daily counters beside " +
             "the first page of each of the 10 shards of the ranked index, then the counts in the range of the 10 emails first in " +
             "it); the dashboard's data is one query.");
        Line($"- The tail: whatever else the {machine.Cores} cores run makes a request wait for a core at each of its steps; *others* " +
             "above is that share, and the load average when the run began says how many processes were after the cores.");
        Line($"- The export: {ExportPerEvent(e)}.");
        Line();
        return md.ToString();
    }

    static string PerRequest(QueryFigures q) =>
        $"{(q.Cpu.GetValueOrDefault(Names.Console) + q.Cpu.GetValueOrDefault(Names.Dynamo)) * 1000 / q.Requests:0} ms " +
        $"(console {q.Cpu.GetValueOrDefault(Names.Console) * 1000 / q.Requests:0}, DynamoDB Local {q.Cpu.GetValueOrDefault(Names.Dynamo) * 1000 / q.Requests:0})";

    static string ExportPerEvent(ExportFigures e) =>
        $"{e.Cpu.GetValueOrDefault(Names.Dynamo) * 1e6 / Math.Max(1, e.Events):0} µs of DynamoDB Local's CPU and " +
        $"{e.Cpu.GetValueOrDefault(Names.Console) * 1e6 / Math.Max(1, e.Events):0} µs of the console's per event";

    /// <summary>The share of the machine's cores the console, DynamoDB Local and everything else but this tool used.</summary>
    string Cpu(Dictionary<string, double> cpu, double seconds)
    {
        string Share(double s) => (s / (seconds * machine.Cores)).ToString("0%", CultureInfo.InvariantCulture);
        var ours = cpu.GetValueOrDefault(Names.Console) + cpu.GetValueOrDefault(Names.Dynamo) + cpu.GetValueOrDefault(Names.Generator);
        return $"{Share(cpu.GetValueOrDefault(Names.Console))} | {Share(cpu.GetValueOrDefault(Names.Dynamo))} | {Share(Math.Max(0, cpu.GetValueOrDefault(Names.Machine) - ours))}";
    }

    /// <summary>A note when the machine was busy as the run began: a load average above half its cores.</summary>
    string Busy()
    {
        var first = machine.LoadAverage.Split(' ')[0];
        return double.TryParse(first, CultureInfo.InvariantCulture, out var load) && load > machine.Cores / 2.0
            ? $" — **the machine was busy**: {load:0.#} processes on average were running or waiting for its {machine.Cores} cores over the minute before this run started anything, and the figures below carry that load"
            : "";
    }

    /// <summary>
    /// Puts this run's section 7 and console targets into the report at <paramref name="path"/> in place of the ones it had;
    /// a report that does not exist yet gets a page with only these.
    /// </summary>
    public static void WriteInto(string path, BenchOptions options, ConsoleResult result, Machine machine, double seconds)
    {
        var report = new ConsoleReport(options, result, machine);
        var targets = report.Targets().ToList();
        var rows = targets.Select(t => Report.TargetRow(t with { Measured = t.Measured + " (section 7's own run)" })).ToList();
        var section = report.Section(seconds).TrimEnd('\n').Split('\n');
        var lines = File.Exists(path) ? File.ReadAllLines(path).ToList() : [];
        var table = lines.FindIndex(l => l == Report.TargetsHeading);
        if (table < 0)
        {
            lines = ["# Benchmarks", "", "Written by `bench/Webhook.Bench`; do not edit by hand.", "", Report.TargetsHeading, "", Report.TargetsTableHead, "|---|---|---|", .. rows, "", .. section];
        }
        else
        {
            lines[table + 2] = Report.TargetsTableHead;
            lines.RemoveAll(l => l.StartsWith("| " + TargetPrefix, StringComparison.Ordinal));
            var end = table + 4;
            while (end < lines.Count && lines[end].StartsWith('|'))
                end++;
            lines.InsertRange(end, rows);

            var start = lines.FindIndex(l => l.StartsWith(Heading, StringComparison.Ordinal));
            if (start >= 0)
            {
                var next = lines.FindIndex(start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
                lines.RemoveRange(start, (next < 0 ? lines.Count : next) - start);
            }
            else
            {
                start = lines.FindIndex(l => l.StartsWith("## How it is measured", StringComparison.Ordinal));
                start = start < 0 ? lines.Count : start;
            }
            lines.InsertRange(start, [.. section, ""]);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, string.Join('\n', lines).TrimEnd('\n') + "\n");

        Console.WriteLine();
        foreach (var t in targets)
            Console.WriteLine($"{(t.Met ? "met   " : "MISSED")}  {t.Name}: {t.Measured}");
    }
}
