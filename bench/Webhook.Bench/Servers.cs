using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Webhook.Bench;

/// <summary>Where the repository and the built hosts are, as recorded at build time.</summary>
public static class Repository
{
    static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public static string Root { get; } = Path.GetFullPath(Metadata("RepositoryRoot"));

    public static string Configuration { get; } = Metadata("Configuration");

    /// <summary>The built dll of a project, e.g. Webhook.Api or bench/Webhook.Bench.Baselines.</summary>
    public static string Dll(string projectDirectory) =>
        Path.Combine(Root, projectDirectory, "bin", Configuration, "net10.0", Path.GetFileName(projectDirectory) + ".dll");
}

/// <summary>
/// RabbitMQ, PostgreSQL and DynamoDB Local of the "bench" profile of deploy/local/servers.sh: their own ports and
/// state, so a benchmark never disturbs a developer's system or a test run (and is not disturbed by them).
/// </summary>
public sealed partial class Servers
{
    public const string Profile = "bench";

    readonly string _script = Path.Combine(Repository.Root, "deploy", "local", "servers.sh");

    // The profile is always ours, whatever the caller's environment says (the test script exports "test"), and so
    // is the state dir: the profile's own under .state/.
    readonly Dictionary<string, string?> _environment = new() { ["WEBHOOK_PROFILE"] = Profile, ["WEBHOOK_STATE_DIR"] = null };

    public IReadOnlyDictionary<string, string> Exports { get; private set; } = new Dictionary<string, string>();

    public string Postgres => Exports["ConnectionStrings__Postgres"];

    public string RabbitMq => Exports["ConnectionStrings__RabbitMq"];

    public string DynamoServiceUrl => Exports["AWS__ServiceURL"];

    public int RabbitMqPid { get; private set; }

    public int PostgresPid { get; private set; }

    public int DynamoPid { get; private set; }

    public async Task StartAsync(CancellationToken ct)
    {
        Console.WriteLine(await ScriptAsync(ct, "start"));
        Exports = ExportLine().Matches(await ScriptAsync(ct, "env"))
            .ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value.Trim('"', '\''));
        var status = await ScriptAsync(ct, "status");
        int Pid(string server) => int.Parse(Regex.Match(status, $@"^{server}: running \(pid (\d+)", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);
        (RabbitMqPid, PostgresPid, DynamoPid) = (Pid("rabbitmq"), Pid("postgres"), Pid("dynamodb"));
    }

    public Task<string> StopAsync(CancellationToken ct) => ScriptAsync(ct, "stop");

    public string PostgresFor(string database) => new Npgsql.NpgsqlConnectionStringBuilder(Postgres) { Database = database }.ConnectionString;

    public string RabbitMqFor(string virtualHost) => new UriBuilder(RabbitMq) { Path = "/" + Uri.EscapeDataString(virtualHost) }.Uri.ToString();

    public async Task AddVirtualHostAsync(string virtualHost, CancellationToken ct)
    {
        await ScriptAsync(ct, "rabbitmqctl", "-q", "add_vhost", virtualHost);
        await ScriptAsync(ct, "rabbitmqctl", "-q", "set_permissions", "-p", virtualHost, "guest", ".*", ".*", ".*");
    }

    public Task DeleteVirtualHostAsync(string virtualHost, CancellationToken ct) => ScriptAsync(ct, "rabbitmqctl", "-q", "delete_vhost", virtualHost);

    /// <summary>Messages in the queue, ready and unacknowledged; -1 when it does not exist.</summary>
    public async Task<long> QueueDepthAsync(string virtualHost, string queue, CancellationToken ct)
    {
        var listing = await ScriptAsync(ct, "rabbitmqctl", "-q", "list_queues", "-p", virtualHost, "name", "messages");
        var match = Regex.Match(listing, $@"^{Regex.Escape(queue)}\s+(\d+)\s*$", RegexOptions.Multiline);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }

    public Task PurgeQueueAsync(string virtualHost, string queue, CancellationToken ct) =>
        ScriptAsync(ct, "rabbitmqctl", "-q", "purge_queue", "-p", virtualHost, queue);

    Task<string> ScriptAsync(CancellationToken ct, params string[] args) =>
        Command.RunAsync("bash", [_script, .. args], _environment, ct);

    [GeneratedRegex("^export (?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>.*)$", RegexOptions.Multiline)]
    private static partial Regex ExportLine();
}

/// <summary>Runs a command to completion and returns its output; throws with the output when it fails.</summary>
public static class Command
{
    public static async Task<string> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string?>? environment, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
                info.Environment.Remove(key);
            else
                info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var output = new StringBuilder(await stdout);
        var errors = await stderr;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}:\n{output}\n{errors}");
        return output.ToString().TrimEnd();
    }
}
