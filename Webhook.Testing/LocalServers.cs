using System.Text.Json;

namespace Webhook.Testing;

/// <summary>
/// RabbitMQ, PostgreSQL and DynamoDB Local of one profile of deploy/local/servers.sh: started, stopped and described
/// by the script, their settings and processes read as data (<c>servers.sh describe</c>, JSON).
/// </summary>
public sealed class LocalServers
{
    static readonly Lazy<Task<LocalServers>> ForTests = new(async () =>
    {
        var servers = new LocalServers(RunProfile);
        await servers.StartAsync();
        return servers;
    });

    readonly Dictionary<string, string?> _environment;
    ServerDescription? _description;

    /// <param name="profile">dev, test or bench: the ports and the state dir.</param>
    /// <param name="stateDirectory">Another state dir than the profile's own; null: the profile's, whatever the caller's environment says.</param>
    /// <param name="portBase">Other ports than the profile's (servers.sh's WEBHOOK_PORT_BASE).</param>
    public LocalServers(string profile, string? stateDirectory = null, int? portBase = null)
    {
        Profile = profile;
        // The state dir and ports the caller moved (WEBHOOK_STATE_DIR, WEBHOOK_PORT_BASE, as deploy/local/test.sh
        // passes them on) belong to the caller's profile only: the benchmark's profile keeps its own.
        var inherited = profile == RunProfile;
        _environment = new Dictionary<string, string?>
        {
            ["WEBHOOK_PROFILE"] = profile,
            ["WEBHOOK_STATE_DIR"] = stateDirectory ?? (inherited ? Environment.GetEnvironmentVariable("WEBHOOK_STATE_DIR") : null),
            ["WEBHOOK_PORT_BASE"] = portBase?.ToString(System.Globalization.CultureInfo.InvariantCulture)
                ?? (inherited ? Environment.GetEnvironmentVariable("WEBHOOK_PORT_BASE") : null),
        };
    }

    /// <summary>The profile of this run: WEBHOOK_PROFILE, else "test".</summary>
    public static string RunProfile => Environment.GetEnvironmentVariable("WEBHOOK_PROFILE") is { Length: > 0 } profile ? profile : "test";

    /// <summary>
    /// The servers of the test run (<see cref="RunProfile"/>; its state dir and ports may be moved by
    /// WEBHOOK_STATE_DIR and WEBHOOK_PORT_BASE), started once per run (the script leaves running servers
    /// alone) and left running for the run's other tests; the README's test command stops them at the end.
    /// </summary>
    public static Task<LocalServers> EnsureTestServersAsync() => ForTests.Value;

    public string Profile { get; }

    /// <summary>The variables servers.sh runs with: the profile, and the state dir and ports when they are moved.</summary>
    public IReadOnlyDictionary<string, string?> ScriptEnvironment => _environment;

    /// <summary>What <c>servers.sh describe</c> said last.</summary>
    public ServerDescription Description => _description ?? throw new InvalidOperationException("The servers have not been described yet: start them first.");

    /// <summary>The hosts' settings that reach these servers: connection strings, the DynamoDB endpoint and credentials.</summary>
    public IReadOnlyDictionary<string, string> Settings => Description.Settings;

    public string Postgres => Settings["ConnectionStrings__Postgres"];

    public string RabbitMq => Settings["ConnectionStrings__RabbitMq"];

    public string DynamoServiceUrl => Settings["AWS__ServiceURL"];

    public string PostgresFor(string database) => new Npgsql.NpgsqlConnectionStringBuilder(Postgres) { Database = database }.ConnectionString;

    public string RabbitMqFor(string virtualHost) => new UriBuilder(RabbitMq) { Path = "/" + Uri.EscapeDataString(virtualHost) }.Uri.ToString();

    /// <summary>Starts the servers named (all when none), waits until each is ready, and describes them.</summary>
    public async Task<string> StartAsync(CancellationToken cancellationToken = default, params string[] servers)
    {
        var output = await ScriptAsync(cancellationToken, ["start", .. servers]);
        await DescribeAsync(cancellationToken);
        return output;
    }

    /// <summary>Stops the servers named (all when none).</summary>
    public async Task<string> StopAsync(CancellationToken cancellationToken = default, params string[] servers)
    {
        var output = await ScriptAsync(cancellationToken, ["stop", .. servers]);
        await DescribeAsync(cancellationToken);
        return output;
    }

    public async Task<ServerDescription> DescribeAsync(CancellationToken cancellationToken = default)
    {
        var json = await ScriptAsync(cancellationToken, "describe");
        _description = JsonSerializer.Deserialize<ServerDescription>(json, JsonOptions)
            ?? throw new InvalidOperationException("servers.sh describe printed nothing.");
        return _description;
    }

    /// <summary>The PID of a server's process now (rabbitmq, epmd, postgres, dynamodb), or null when it is stopped.</summary>
    public async Task<int?> PidAsync(string process, CancellationToken cancellationToken = default) =>
        (await DescribeAsync(cancellationToken)).Processes.Single(p => p.Name == process).Pid;

    /// <summary>rabbitmqctl against the profile's node.</summary>
    public Task<string> RabbitMqCtlAsync(params string[] args) => ScriptAsync(CancellationToken.None, ["rabbitmqctl", .. args]);

    public Task<string> ScriptAsync(params string[] args) => ScriptAsync(CancellationToken.None, args);

    public Task<string> ScriptAsync(CancellationToken cancellationToken, params string[] args) =>
        Command.RunAsync("bash", [Repository.ServersScript, .. args], _environment, TimeSpan.FromMinutes(10), cancellationToken);

    static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };
}

/// <summary>What <c>servers.sh describe</c> prints.</summary>
public sealed record ServerDescription(string Profile, string StateDirectory, Dictionary<string, string> Settings, List<ServerProcess> Processes);

/// <summary>One process a profile runs: its PID (null when stopped) and its ports by name.</summary>
public sealed record ServerProcess(string Name, int? Pid, Dictionary<string, int> Ports);
