using Webhook.Testing;

namespace Webhook.Bench.Tests;

/// <summary>
/// The benchmark tool's short form (<c>--quick</c>) runs end to end: its own servers (profile "bench"), the hosts as
/// processes, every scenario, and a report. It proves the tool works; no figure is asserted, since a few seconds on a
/// shared machine measure nothing. Run alone, after the other collections, so its load does not slow their tests.
/// </summary>
[Collection(BenchmarkToolGroup.Name)]
[Trait("Category", "Benchmark")]
public class BenchmarkToolTests
{
    static readonly string[] Sections =
    [
        "## Machine", "## Command", "## Targets", "## 1. Ingest", "## 2. Batches", "## 3. A burst", "## 4. Drain",
        "## 5. Memory", "## 6. Verification", "## 7. Console", "## What bounds the figures",
    ];

    [Fact]
    public async Task Should_write_a_report_with_every_scenario_when_run_quick()
    {
        var directory = Path.Combine(Path.GetTempPath(), "webhook-bench-" + Guid.NewGuid().ToString("N")[..10]);
        var report = Path.Combine(directory, "benchmarks.md");
        var tool = Repository.Dll("bench/Webhook.Bench");
        try
        {
            var output = await Command.RunAsync("dotnet", [tool, "--quick", "--output", report], timeout: TimeSpan.FromMinutes(10));

            Assert.Contains("Report: " + report, output, StringComparison.Ordinal);
            var text = await File.ReadAllTextAsync(report);
            foreach (var section in Sections)
                Assert.Contains(section, text, StringComparison.Ordinal);
            // The HTTP floor under the API's CPU per event: the bare endpoint at the rate ours reached.
            Assert.Matches(@"\| \(a\) at ours' rate \| [\d,]+ \|", text);
            // The drain's floor on the machine: W alone, back to back at the limit.
            Assert.Matches(@"\| W alone, back to back on 3 sessions \| [\d.]+ \|", text);
            Assert.Contains("<svg", await File.ReadAllTextAsync(Path.Combine(directory, "benchmarks-burst.svg")), StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary>
/// The console's scenario run alone (<c>--only console</c>) puts its section and its targets into a report a full run
/// wrote, in place of the ones it had, and leaves every other section as it was.
/// </summary>
[Collection(BenchmarkToolGroup.Name)]
[Trait("Category", "Benchmark")]
public class ConsoleAloneTests
{
    [Fact]
    public async Task Should_replace_only_the_console_section_and_targets_when_run_for_the_console_alone()
    {
        var directory = Path.Combine(Path.GetTempPath(), "webhook-bench-" + Guid.NewGuid().ToString("N")[..10]);
        var report = Path.Combine(directory, "benchmarks.md");
        Directory.CreateDirectory(directory);
        var before = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "benchmarks.md"));
        await File.WriteAllTextAsync(report, before);
        try
        {
            var output = await Command.RunAsync("dotnet", [Repository.Dll("bench/Webhook.Bench"), "--quick", "--only", "console", "--output", report],
                timeout: TimeSpan.FromMinutes(10));

            Assert.Contains("Report: " + report, output, StringComparison.Ordinal);
            var after = await File.ReadAllTextAsync(report);
            Assert.Single(Sections(after), s => s.StartsWith("## 7. Console", StringComparison.Ordinal));
            Assert.Contains("--only console", Sections(after).Single(s => s.StartsWith("## 7. Console", StringComparison.Ordinal)), StringComparison.Ordinal);
            Assert.Equal(4, after.Split('\n').Count(l => l.StartsWith("| console: ", StringComparison.Ordinal)));
            foreach (var section in Sections(before).Where(s => !s.StartsWith("## 7. Console", StringComparison.Ordinal) && !s.StartsWith("## Targets", StringComparison.Ordinal)))
                Assert.Contains(section, Sections(after));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The report's sections, each from its "## " heading to the next.</summary>
    static List<string> Sections(string markdown) =>
        [.. markdown.Split("\n## ").Skip(1).Select(s => "## " + s.TrimEnd('\n'))];
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BenchmarkToolGroup
{
    public const string Name = "Benchmark tool";
}
