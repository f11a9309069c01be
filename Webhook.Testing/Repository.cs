using System.Reflection;

namespace Webhook.Testing;

/// <summary>Where the repository, its scripts and the built hosts are, as recorded when the kit was built.</summary>
public static class Repository
{
    static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public static string Root { get; } = Path.GetFullPath(Metadata("RepositoryRoot"));

    /// <summary>The build configuration (Debug, Release) the hosts are run from: the kit's own.</summary>
    public static string Configuration { get; } = Metadata("Configuration");

    public static string ServersScript => Path.Combine(Root, "deploy", "local", "servers.sh");

    /// <summary>The broker's settings (rabbitmq.conf lines) that servers.sh and compose give every RabbitMQ they run.</summary>
    public static string BrokerSettings => Path.Combine(Root, "deploy", "rabbitmq", "webhook.conf");

    /// <summary>The settings of <see cref="BrokerSettings"/>, by key; comments and blank lines left out.</summary>
    public static IReadOnlyDictionary<string, string> ReadBrokerSettings() =>
        File.ReadLines(BrokerSettings)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0].Trim(), pair => pair[1].Trim());

    /// <summary>The built dll of a project, e.g. <c>Webhook.Api</c> or <c>bench/Webhook.Bench.Baselines</c>.</summary>
    public static string Dll(string projectDirectory) =>
        Path.Combine(Root, projectDirectory, "bin", Configuration, "net10.0", Path.GetFileName(projectDirectory) + ".dll");
}
