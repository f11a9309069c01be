using System.Diagnostics;
using Npgsql;

namespace Webhook.Bench;

/// <summary>
/// The drain's floor on this machine: the limit's sessions, each running the burst's work W (<c>bench_work</c>) back to
/// back and nothing else, on connections of their own with the statement prepared: no Processor, no inbox, no
/// statistics, no hand-over between processes beyond the round trip. No design that does W under the same limit drains
/// faster on the same database and cores; what keeps the floor itself below limit / W is the database's own (the
/// sleep waking late, the work's slot and log, the commit, the round trip).
/// </summary>
public sealed record DrainFloor(int Sessions, long Operations, double Seconds, double WorkSeconds)
{
    public double EventsPerSecond => Seconds > 0 ? Operations / Seconds : 0;

    /// <summary>How long one operation held its place at the limit: the sessions over the rate.</summary>
    public double MillisecondsPerOperation => Operations > 0 ? Sessions * 1000 / EventsPerSecond : 0;

    /// <summary>How long one operation took in the database, from the work's own log (its slot taken to its end).</summary>
    public double WorkMillisecondsPerOperation => Operations > 0 ? WorkSeconds * 1000 / Operations : 0;

    public const string Design = "floor";

    public static async Task<DrainFloor> MeasureAsync(BenchDatabase database, int sessions, int capacity, int workMilliseconds,
        TimeSpan duration, CancellationToken ct)
    {
        var connections = new List<NpgsqlConnection>();
        var commands = new List<NpgsqlCommand>();
        try
        {
            for (var i = 0; i < sessions; i++)
            {
                var connection = await database.Database.OpenAsync(ct);
                connections.Add(connection);
                var command = new NpgsqlCommand("SELECT bench_work($1, $2, $3)", connection);
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = capacity });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = workMilliseconds });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Design });
                await command.PrepareAsync(ct);
                // Warm each session: its plan cached, its function compiled.
                for (var w = 0; w < 3; w++)
                    await command.ExecuteNonQueryAsync(ct);
                commands.Add(command);
            }

            var from = await database.NowAsync(ct);
            var clock = Stopwatch.StartNew();
            var counts = await Task.WhenAll(commands.Select(async command =>
            {
                long done = 0;
                while (clock.Elapsed < duration)
                {
                    await command.ExecuteNonQueryAsync(ct);
                    done++;
                }
                return done;
            }));
            var seconds = clock.Elapsed.TotalSeconds;
            var to = await database.NowAsync(ct);
            var work = await database.WorkSecondsAsync(Design, from, to, ct);
            return new DrainFloor(sessions, counts.Sum(), seconds, work);
        }
        finally
        {
            foreach (var command in commands)
                await command.DisposeAsync();
            foreach (var connection in connections)
                await connection.DisposeAsync();
        }
    }
}
