using System.Reflection;

namespace Webhook.Tests.Fixtures;

/// <summary>Where the repository and the built hosts are, as recorded at build time.</summary>
public static class Repository
{
    static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public static string Root { get; } = Path.GetFullPath(Metadata("RepositoryRoot"));

    public static string Configuration { get; } = Metadata("Configuration");

    public static string ServersScript => Path.Combine(Root, "deploy", "local", "servers.sh");

    /// <summary>The built dll of a host project, e.g. Webhook.Api.</summary>
    public static string HostDll(string project) => Path.Combine(Root, project, "bin", Configuration, "net10.0", project + ".dll");
}
