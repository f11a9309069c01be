using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Webhook.Testing;

/// <summary>
/// A fault suite's table, one row per scenario, written when the suite ends to WEBHOOK_FAULT_REPORT or
/// <c>.state/&lt;profile&gt;/&lt;name&gt;.md</c> (deploy/local/test.sh prints it). Shared by a suite's tests as a
/// collection fixture.
/// </summary>
public abstract class FaultReport(string name) : IDisposable
{
    readonly ConcurrentQueue<string> _rows = new();

    /// <summary>Events per scenario: FAULT_EVENTS (default 2000); FAULT_RATE webhooks a second (default 50).</summary>
    public static int Events => int.TryParse(Environment.GetEnvironmentVariable("FAULT_EVENTS"), out var n) ? n : 2000;

    public static double RequestsPerSecond => double.TryParse(Environment.GetEnvironmentVariable("FAULT_RATE"), CultureInfo.InvariantCulture, out var r) ? r : 50;

    public static string Header =>
        "| scenario | events sent | events acknowledged (2xx) | webhooks retried by the sender | applied (PostgreSQL) | counted (DynamoDB) | duplicates | lost | in DLQ | peak at once in PostgreSQL | applied again after |\n" +
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

    /// <summary>Adds the scenario's row and returns what a test prints of it: the header, the row, the answers, the peak.</summary>
    public IReadOnlyList<string> Record(FaultOutcome outcome) =>
    [
        Header,
        Add(outcome),
        "Statuses: " + string.Join(", ", outcome.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")),
        $"At the peak, the Processors' sessions in a transaction: {outcome.PeakSessions}",
    ];

    public string Add(FaultOutcome outcome)
    {
        // The applied events are sampled every 100 ms: a shorter time is below what the watch can tell.
        var recovery = outcome.Recovery switch
        {
            null => "–",
            { TotalSeconds: < 0.1 } => $"within 0.1 s {outcome.RecoveryFrom}",
            { } r => string.Create(CultureInfo.InvariantCulture, $"{r.TotalSeconds:0.0} s {outcome.RecoveryFrom}"),
        };
        var row = string.Create(CultureInfo.InvariantCulture,
            $"| {outcome.Scenario} | {outcome.Sent} | {outcome.Acknowledged} | {outcome.Retried} | {outcome.Audit.Applied} | {outcome.Audit.Counted} | {outcome.Audit.Duplicates} | {outcome.Audit.Lost(outcome.Acknowledged)} | {outcome.DeadLettered} | {outcome.PeakConcurrency} | {recovery} |");
        _rows.Enqueue(row);
        return row;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing || _rows.IsEmpty)
            return;
        var path = Environment.GetEnvironmentVariable("WEBHOOK_FAULT_REPORT") is { Length: > 0 } configured
            ? Path.Combine(Path.GetDirectoryName(configured)!, name + ".md")
            : Path.Combine(Repository.Root, ".state", LocalServers.RunProfile, name + ".md");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{name}: {Events} events per scenario, {RequestsPerSecond} webhooks/s, {DateTime.UtcNow:u}")
            .AppendLine()
            .AppendLine(Header);
        foreach (var row in _rows)
            text.AppendLine(row);
        File.WriteAllText(path, text.ToString());
    }
}

/// <summary>What a fault scenario came to: the stream, the audit of the stores, and how the Processors behaved.</summary>
/// <param name="PeakConcurrency">The most events worked on at once, measured in PostgreSQL (<see cref="ConcurrencyProbe"/>).</param>
/// <param name="Recovery">
/// From <paramref name="RecoveryFrom"/> (the fault's end) until events are applied again: more than the concurrency
/// limit beyond those applied at that moment (which may have been in flight); null when that never happened.
/// </param>
public sealed record FaultOutcome(
    string Scenario, int Sent, int Acknowledged, int Retried, StoreAudit Audit, int DeadLettered, int PeakConcurrency,
    TimeSpan? Recovery, string RecoveryFrom, IReadOnlyDictionary<int, int> Statuses, string? PeakSessions = null);
