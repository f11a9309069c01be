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
        "## 5. Memory", "## 6. Verification", "## What bounds the figures",
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
            Assert.Contains("<svg", await File.ReadAllTextAsync(Path.Combine(directory, "benchmarks-burst.svg")), StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BenchmarkToolGroup
{
    public const string Name = "Benchmark tool";
}
