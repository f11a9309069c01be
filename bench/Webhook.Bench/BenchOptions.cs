using System.Globalization;

namespace Webhook.Bench;

/// <summary>The command line. Defaults are the issue's: 64 connections, 30 s, a burst of 50,000 events, W = 20 ms.</summary>
public sealed record BenchOptions
{
    public const string Usage = """
        dotnet run -c Release --project bench/Webhook.Bench -- [options]
          --quick              a few seconds per scenario and a small burst: proves the tool works, measures nothing
          --output PATH        the report (default docs/benchmarks.md); the chart is written beside it
          --connections N      HTTP connections and concurrent publishes (64)
          --duration S         seconds of ingest per target and of batches (30)
          --rounds N           ingest rounds, interleaving the targets (3)
          --burst N            events in the slow-downstream burst (50000)
          --work-ms W          database work per event in the burst scenario, in ms (20)
          --db-capacity C      operations the simulated database completes at once (3; 0 = unbounded)
          --drain S            seconds over which the drain rate is measured (60)
          --keep-servers       leave the bench profile's servers running
          --keep-data          leave the run's database, virtual host and tables, to look into them
          --only console       only scenario 7, the console; its section and its targets are replaced in the report,
                               the other sections left as the last full run wrote them
        """;

    /// <summary>The scenario <c>--only</c> runs alone.</summary>
    public const string ConsoleOnly = "console";

    public bool Quick { get; init; }
    public string? Output { get; init; }
    public int Connections { get; init; } = 64;
    public double DurationSeconds { get; init; } = 30;
    public int Rounds { get; init; } = 3;
    public int Burst { get; init; } = 50_000;
    public int WorkMilliseconds { get; init; } = 20;
    public int DatabaseCapacity { get; init; } = 3;
    public double DrainSeconds { get; init; } = 60;
    public bool KeepServers { get; init; }
    public bool KeepData { get; init; }
    /// <summary>The one scenario to run (<see cref="ConsoleOnly"/>); null: every scenario.</summary>
    public string? Only { get; init; }
    /// <summary>The Processor's limit (its default): what the database sees at most.</summary>
    public const int ConcurrencyLimit = 3;
    public const int BatchSize = 100;
    public double WarmupSeconds => Quick ? 1 : 3;
    /// <summary>
    /// The longest a target warms up: slices of <see cref="WarmupSeconds"/> until the CPU its process spends per request
    /// stops falling (a quick run keeps to one slice).
    /// </summary>
    public double MaxWarmupSeconds => Quick ? WarmupSeconds : 60;
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public static BenchOptions? Parse(string[] args)
    {
        var options = new BenchOptions { Arguments = args };
        var quick = args.Contains("--quick");
        if (quick)
            options = options with { Quick = true, DurationSeconds = 3, Rounds = 1, Burst = 1_000, DrainSeconds = 4 };
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--quick": break;
                case "--keep-servers": options = options with { KeepServers = true }; break;
                case "--keep-data": options = options with { KeepData = true }; break;
                case "--output": options = options with { Output = Next() }; break;
                case "--connections": options = options with { Connections = (int)Number() }; break;
                case "--duration": options = options with { DurationSeconds = Number() }; break;
                case "--rounds": options = options with { Rounds = (int)Number() }; break;
                case "--burst": options = options with { Burst = (int)Number() }; break;
                case "--work-ms": options = options with { WorkMilliseconds = (int)Number() }; break;
                case "--db-capacity": options = options with { DatabaseCapacity = (int)Number() }; break;
                case "--drain": options = options with { DrainSeconds = Number() }; break;
                case "--only":
                    if (Next() != ConsoleOnly)
                        return null;
                    options = options with { Only = ConsoleOnly };
                    break;
                default: return null;
            }
        }
        return options.Connections > 0 && options.Rounds > 0 && options.Burst > 0 && options.WorkMilliseconds > 0 ? options : null;
    }
}
