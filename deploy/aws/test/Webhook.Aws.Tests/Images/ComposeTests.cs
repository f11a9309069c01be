using System.Text.RegularExpressions;
using Webhook.Aws.Services;
using Webhook.Aws.Tests.Drift;
using Webhook.Aws.Tests.Fixtures;
using Webhook.Testing;
using YamlDotNet.RepresentationModel;

namespace Webhook.Aws.Tests.Images;

/// <summary>
/// deploy/compose, read and checked without a container engine: pinned images, the hosts built from their
/// Dockerfiles and run read-only with their health check, secrets only from the .env make-env.sh writes, and the
/// configuration each host requires at start, derived from the host itself as for the task definitions.
/// </summary>
public partial class ComposeTests
{
    static readonly string Directory = Path.Combine(Repository.Root, "deploy", "compose");

    public static TheoryData<string> Hosts => ["api", "processor", "console"];

    /// <summary>The host a compose service runs: the project Webhook.&lt;Service&gt;.</summary>
    static HostProject Project(string service) => HostProject.Named($"Webhook.{char.ToUpperInvariant(service[0])}{service[1..]}");

    static YamlMappingNode Services()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Directory, "compose.yaml"))));
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    static YamlMappingNode Service(string name) => (YamlMappingNode)Services()[name];

    static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    [GeneratedRegex(@"\$\{(?<name>[A-Z_]+)(?<form>:\?|:-)?(?<rest>[^}]*)\}")]
    private static partial Regex Placeholder();

    /// <summary>
    /// The host's environment as compose gives it once its .env is written: every placeholder that is a whole value
    /// gets a valid value for its key, one inside a value (a password in a URI) a sample word.
    /// </summary>
    static Dictionary<string, string> Environment(string service) =>
        ((YamlMappingNode)Service(service)["environment"]).Children.ToDictionary(
            e => ((YamlScalarNode)e.Key).Value!,
            e =>
            {
                var key = ((YamlScalarNode)e.Key).Value!;
                var value = ((YamlScalarNode)e.Value).Value ?? "";
                return Placeholder().Match(value) is { Success: true } whole && whole.Length == value.Length
                    ? SampleValues.For(key)
                    : Placeholder().Replace(value, "sample");
            });

    [Fact]
    public void Should_pin_every_image_it_pulls_to_a_version()
    {
        foreach (var (name, node) in Services().Children.Select(c => (((YamlScalarNode)c.Key).Value!, (YamlMappingNode)c.Value)))
        {
            if (Scalar(node, "image") is { } image)
                Assert.Matches(@":\d+\.\d+", image);
            else
                Assert.True(node.Children.ContainsKey(new YamlScalarNode("build")), $"{name} neither pulls nor builds an image");
        }
    }

    [Fact]
    public void Should_give_the_broker_the_settings_the_local_servers_run_with()
    {
        var volumes = ((YamlSequenceNode)Service("rabbitmq")["volumes"]).Children.Select(c => c.ToString());

        var mount = Assert.Single(volumes, v => v.Contains(":/etc/rabbitmq/conf.d/", StringComparison.Ordinal)).Split(':');

        Assert.Equal(Repository.BrokerSettings, Path.GetFullPath(Path.Combine(Directory, mount[0])));
        Assert.Matches(@"^/etc/rabbitmq/conf\.d/[\w-]+\.conf$", mount[1]);
        Assert.Equal("ro", Assert.Single(mount[2..]));
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Should_build_each_host_from_its_dockerfile_and_run_it_read_only_with_its_health_check(string service)
    {
        var node = Service(service);
        var build = (YamlMappingNode)node["build"];
        var project = Project(service).Project;

        Assert.Equal(Repository.Root.TrimEnd('/'), Path.GetFullPath(Path.Combine(Directory, Scalar(build, "context")!)).TrimEnd('/'));
        Assert.Equal($"{project}/Dockerfile", Scalar(build, "dockerfile"));
        Assert.Equal("true", Scalar(node, "read_only"));
        Assert.Contains("/tmp", ((YamlSequenceNode)node["tmpfs"]).Children.Select(c => c.ToString()));
        var test = ((YamlSequenceNode)((YamlMappingNode)node["healthcheck"])["test"]).Children.Select(c => c.ToString()).ToList();
        Assert.Equal(new[] { "CMD" }.Concat(Dockerfile.Of(project).HealthCheckCommand), test);
    }

    [Theory]
    [InlineData("api", 5080)]
    [InlineData("console", 5082)]
    public void Should_publish_each_host_people_reach_on_loopback_only_to_its_container_port(string service, int port)
    {
        var ports = ((YamlSequenceNode)Service(service)["ports"]).Children.Select(p => p.ToString()).ToList();

        Assert.Contains($"127.0.0.1:{port}:{HostService.ContainerPort}", ports);
        Assert.All(Services().Children.Values.OfType<YamlMappingNode>()
            .Where(s => s.Children.ContainsKey(new YamlScalarNode("ports")))
            .SelectMany(s => ((YamlSequenceNode)s["ports"]).Children), p => Assert.StartsWith("127.0.0.1:", p.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void Should_take_every_required_secret_from_what_make_env_writes()
    {
        var text = File.ReadAllText(Path.Combine(Directory, "compose.yaml"));
        var script = File.ReadAllText(Path.Combine(Directory, "make-env.sh"));

        var required = Placeholder().Matches(text).Where(m => m.Groups["form"].Value == ":?").Select(m => m.Groups["name"].Value).Distinct().ToList();

        Assert.NotEmpty(required);
        Assert.All(required, name => Assert.Contains($"echo \"{name}=", script, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Should_start_each_host_with_what_compose_gives_it_and_read_every_key_it_sets(string service)
    {
        var environment = Environment(service);

        var startup = HostStartup.Of(Project(service), environment);

        Assert.True(startup.Starts, $"{service} refuses compose's configuration: {string.Join(" | ", startup.Failures)}");
        var unread = DeployedEnvironment.UnreadConfigurationKeys(environment, startup);
        Assert.True(unread.Count == 0, $"{service} never reads {string.Join(", ", unread)}");
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Should_give_each_host_longer_to_stop_than_it_takes_to_drain(string service)
    {
        var grace = Scalar(Service(service), "stop_grace_period")!;
        var seconds = int.Parse(grace.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);

        var drain = HostStartup.Of(Project(service), Environment(service)).DrainTime;

        Assert.True(seconds > drain.TotalSeconds, $"{service} is killed after {seconds} s but drains for {drain.TotalSeconds} s");
    }
}
