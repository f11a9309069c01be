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

    static readonly Lazy<Task<LocalServers>> ForClusterTests = new(async () =>
    {
        var servers = new LocalServers(ClusterProfile);
        await servers.StartAsync();
        return servers;
    });

    /// <summary>The cluster profile of this run: WEBHOOK_CLUSTER_PROFILE, else "test-cluster".</summary>
    public static string ClusterProfile => Environment.GetEnvironmentVariable("WEBHOOK_CLUSTER_PROFILE") is { Length: > 0 } profile ? profile : "test-cluster";

    /// <summary>
    /// The clustered servers of the test run (<see cref="ClusterProfile"/>: three RabbitMQ nodes, the load balancer,
    /// PostgreSQL and DynamoDB Local of their own), started once per run like <see cref="EnsureTestServersAsync"/>.
    /// </summary>
    public static Task<LocalServers> EnsureClusterServersAsync() => ForClusterTests.Value;

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

    /// <summary>The RabbitMQ nodes the hosts are given (Broker:ClusterNodes), as host:port; empty for a single node.</summary>
    public IReadOnlyList<string> ClusterNodes =>
        Settings.Where(s => s.Key.StartsWith("Broker__ClusterNodes__", StringComparison.Ordinal))
            .OrderBy(s => int.Parse(s.Key["Broker__ClusterNodes__".Length..], System.Globalization.CultureInfo.InvariantCulture))
            .Select(s => s.Value).ToList();

    /// <summary>The load balancer of a cluster profile: where providers send, and the ports of the API replicas behind it.</summary>
    public (Uri Url, IReadOnlyList<int> ApiPorts)? Balancer =>
        Description.Processes.SingleOrDefault(p => p.Name == "balancer") is { } balancer
            ? (new Uri($"http://127.0.0.1:{balancer.Ports["http"]}"),
                balancer.Ports.Where(p => p.Key.StartsWith("api-", StringComparison.Ordinal)).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).ToList())
            : null;

    /// <summary>The names of the RabbitMQ nodes' processes: rabbitmq, or rabbitmq-1, rabbitmq-2... in a cluster.</summary>
    public IReadOnlyList<string> RabbitMqNodes =>
        Description.Processes.Select(p => p.Name).Where(n => n == "rabbitmq" || n.StartsWith("rabbitmq-", StringComparison.Ordinal)).ToList();

    /// <summary>The process name (rabbitmq-2) of a RabbitMQ node name (webhook-test-cluster-2@localhost).</summary>
    public string ProcessOfNode(string node)
    {
        var name = node.Split('@')[0];
        var dash = name.LastIndexOf('-');
        return RabbitMqNodes.Count == 1 ? "rabbitmq" : "rabbitmq-" + name[(dash + 1)..];
    }

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

    /// <summary>rabbitmqctl against the profile's (first running) node.</summary>
    public Task<string> RabbitMqCtlAsync(params string[] args) => ScriptAsync(CancellationToken.None, ["rabbitmqctl", .. args]);

    /// <summary>Sends SIGKILL to a server's process (rabbitmq-2, balancer...): nothing of it gets a chance to finish.</summary>
    public async Task KillAsync(string process)
    {
        var pid = await PidAsync(process) ?? throw new InvalidOperationException($"{process} is not running.");
        await Command.RunAsync("kill", ["-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        for (var i = 0; i < 100 && Directory.Exists($"/proc/{pid}"); i++)
            await Task.Delay(50);
    }

    public Task<string> ScriptAsync(params string[] args) => ScriptAsync(CancellationToken.None, args);

    public Task<string> ScriptAsync(CancellationToken cancellationToken, params string[] args) =>
        Command.RunAsync("bash", [Repository.ServersScript, .. args], _environment, TimeSpan.FromMinutes(10), cancellationToken);

    static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };
}

/// <summary>What <c>servers.sh describe</c> prints.</summary>
public sealed record ServerDescription(string Profile, string StateDirectory, Dictionary<string, string> Settings, ServerPolicy? Policy, List<ServerProcess> Processes);

/// <summary>The broker policy servers.sh applies to the email queue (its limits: max-length, delivery-limit).</summary>
public sealed record ServerPolicy(string Name, string Pattern, Dictionary<string, int> Definition);

/// <summary>One process a profile runs: its PID (null when stopped) and its ports by name.</summary>
public sealed record ServerProcess(string Name, int? Pid, Dictionary<string, int> Ports);
