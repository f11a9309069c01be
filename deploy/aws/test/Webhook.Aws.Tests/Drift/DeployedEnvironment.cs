using System.Text.Json.Nodes;
using Webhook.Aws.Tests.Fixtures;

namespace Webhook.Aws.Tests.Drift;

/// <summary>The environment a deployment gives a host's container, with sample values where the real ones are not known here.</summary>
public static class DeployedEnvironment
{
    /// <summary>What ECS gives the container: its variables (a literal as it is) and its secrets.</summary>
    public static Dictionary<string, string> Of(TaskContainer container)
    {
        var environment = container.Variables.ToDictionary(
            e => e.Key, e => e.Value is JsonValue literal ? (string)literal! : SampleValues.For(e.Key));
        foreach (var secret in container.SecretSources.Keys)
            environment[secret] = SampleValues.For(secret);
        return environment;
    }

    public static Dictionary<string, string> Without(this IReadOnlyDictionary<string, string> environment, string name) =>
        environment.Where(e => e.Key != name).ToDictionary();

    /// <summary>
    /// The hierarchical configuration keys ("__") of <paramref name="environment"/> the host never looked up: a typo,
    /// or a key the host no longer has. Flat variables (AWS_*, OTEL_*) are read by SDKs from the process itself.
    /// </summary>
    public static List<string> UnreadConfigurationKeys(IReadOnlyDictionary<string, string> environment, HostStartup startup) =>
        [.. environment.Keys
            .Where(v => v.Contains("__", StringComparison.Ordinal))
            .Where(v => !startup.ReadKeys.Contains(v.Replace("__", ":", StringComparison.Ordinal)))];
}
