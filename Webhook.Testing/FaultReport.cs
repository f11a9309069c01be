using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Webhook.Testing;

namespace Webhook.Tests.Faults;

/// <summary>
/// The fault suite's table, one row per scenario, written at the end of the suite to
/// WEBHOOK_FAULT_REPORT or <c>.state/&lt;profile&gt;/fault-suite.md</c> (deploy/local/test.sh prints it).
/// </summary>
public sealed class FaultReport : IDisposable
{
    readonly ConcurrentQueue<string> _rows = new();

    /// <summary>Events per scenario: FAULT_EVENTS (default 2000); FAULT_RATE webhooks a second (default 50).</summary>
    public static int Events => int.TryParse(Environment.GetEnvironmentVariable("FAULT_EVENTS"), out var n) ? n : 2000;

    public static double RequestsPerSecond => double.TryParse(Environment.GetEnvironmentVariable("FAULT_RATE"), CultureInfo.InvariantCulture, out var r) ? r : 50;

    public static string Header =>
        "| scenario | events sent | events acknowledged (2xx) | webhooks retried by the sender | applied (PostgreSQL) | counted (DynamoDB) | duplicates | lost | in DLQ |\n" +
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|";

    public string Add(string scenario, int sent, int acknowledged, int retried, StoreAudit audit, int deadLettered)
    {
        var row = string.Create(CultureInfo.InvariantCulture,
            $"| {scenario} | {sent} | {acknowledged} | {retried} | {audit.Applied} | {audit.Counted} | {audit.Duplicates} | {audit.Lost(acknowledged)} | {deadLettered} |");
        _rows.Enqueue(row);
        return row;
    }

    public void Dispose()
    {
        var path = Environment.GetEnvironmentVariable("WEBHOOK_FAULT_REPORT") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Repository.Root, ".state", LocalServers.RunProfile, "fault-suite.md");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Fault suite: {Events} events per scenario, {RequestsPerSecond} webhooks/s, {DateTime.UtcNow:u}")
            .AppendLine()
            .AppendLine(Header);
        foreach (var row in _rows)
            text.AppendLine(row);
        File.WriteAllText(path, text.ToString());
    }
}

[CollectionDefinition(Name)]
public sealed class FaultTestGroup : ICollectionFixture<FaultReport>
{
    public const string Name = "Faults on real servers";
}
