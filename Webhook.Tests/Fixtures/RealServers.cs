using System.Text.RegularExpressions;

namespace Webhook.Tests.Fixtures;

/// <summary>
/// RabbitMQ, PostgreSQL and DynamoDB Local of the "test" profile of deploy/local/servers.sh (or WEBHOOK_PROFILE's): started once per test
/// run (the script does nothing when they already run) and left running for the run's other tests; the README's
/// test command stops them at the end. Each fixture isolates itself inside them (its own database, table prefix
/// and RabbitMQ virtual host).
/// </summary>
public static partial class RealServers
{
    static readonly Lazy<Task<ServerSettings>> Started = new(StartAsync);

    public static Task<ServerSettings> EnsureStartedAsync() => Started.Value;

    /// <summary>The servers' profile: "test" unless WEBHOOK_PROFILE names another.</summary>
    public static string Profile => System.Environment.GetEnvironmentVariable("WEBHOOK_PROFILE") is { Length: > 0 } p ? p : "test";

    public static Dictionary<string, string> ScriptEnvironment => new() { ["WEBHOOK_PROFILE"] = Profile };

    public static Task<string> ScriptAsync(params string[] args) =>
        Shell.RunAsync("bash", [Repository.ServersScript, .. args], ScriptEnvironment, TimeSpan.FromMinutes(10));

    static async Task<ServerSettings> StartAsync()
    {
        await ScriptAsync("start");
        var exports = ExportLine().Matches(await ScriptAsync("env"))
            .ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value.Trim('"', '\''));
        return new ServerSettings(exports);
    }

    [GeneratedRegex("^export (?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>.*)$", RegexOptions.Multiline)]
    private static partial Regex ExportLine();
}

/// <summary>The settings the servers' script prints, as configuration keys and environment variables.</summary>
public sealed class ServerSettings(IReadOnlyDictionary<string, string> exports)
{
    public IReadOnlyDictionary<string, string> Exports { get; } = exports;

    public string Postgres => Exports["ConnectionStrings__Postgres"];

    public string RabbitMq => Exports["ConnectionStrings__RabbitMq"];

    public string DynamoServiceUrl => Exports["AWS__ServiceURL"];

    public string PostgresFor(string database) => new Npgsql.NpgsqlConnectionStringBuilder(Postgres) { Database = database }.ConnectionString;

    public string RabbitMqFor(string virtualHost) => new UriBuilder(RabbitMq) { Path = "/" + Uri.EscapeDataString(virtualHost) }.Uri.ToString();
}
