using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Webhook.Aws.Stacks;
using Webhook.Testing;

namespace Webhook.Aws.Tests.Fixtures;

/// <summary>
/// The CDK app as deploy/aws/cdk.json runs it, with its default settings, synthesized once for every test of the
/// collection (a synthesis starts the jsii runtime and takes seconds): both stacks as CDK's assertion
/// <see cref="Template"/>s and as the JSON CloudFormation receives.
/// </summary>
public sealed class SynthesizedApp : IDisposable
{
    readonly DirectoryInfo _output = Directory.CreateTempSubdirectory("webhook-cdk-");

    public WebhookSettings Settings { get; } = new() { RepositoryRoot = Repository.Root };
    public DataStack DataStack { get; }
    public ServicesStack ServicesStack { get; }
    public Template Data { get; }
    public Template Services { get; }
    public CloudFormationTemplate DataJson { get; }
    public CloudFormationTemplate ServicesJson { get; }
    public TimeSpan SynthesisTime { get; }

    public SynthesizedApp()
    {
        // The jsii runtime warns, at length, about the Node.js release it runs on.
        System.Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1");
        System.Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1");
        var clock = Stopwatch.StartNew();
        var app = new App(new AppProps { Outdir = _output.FullName });
        (DataStack, ServicesStack) = WebhookApp.Define(app, Settings);
        app.Synth();
        Data = Template.FromStack(DataStack);
        Services = Template.FromStack(ServicesStack);
        SynthesisTime = clock.Elapsed;
        DataJson = CloudFormationTemplate.Load(Path.Combine(_output.FullName, DataStack.TemplateFile));
        ServicesJson = CloudFormationTemplate.Load(Path.Combine(_output.FullName, ServicesStack.TemplateFile));
    }

    public IEnumerable<CloudFormationTemplate> Templates => [DataJson, ServicesJson];

    public void Dispose() => _output.Delete(recursive: true);
}

[CollectionDefinition(Name)]
public sealed class SharedSynthesis : ICollectionFixture<SynthesizedApp>
{
    public const string Name = "synthesized app";
}

/// <summary>A synthesized template as JSON, with the few ways the tests read it.</summary>
public sealed class CloudFormationTemplate(string path, JsonObject root)
{
    public string Path { get; } = path;
    public JsonObject Root { get; } = root;
    public string Text => Root.ToJsonString();

    public static CloudFormationTemplate Load(string path) => new(path, JsonNode.Parse(File.ReadAllText(path))!.AsObject());

    public IEnumerable<(string Id, JsonObject Properties)> Resources(string type) =>
        Root["Resources"]!.AsObject()
            .Where(r => (string?)r.Value!["Type"] == type)
            .Select(r => (r.Key, r.Value!["Properties"]?.AsObject() ?? []));

    /// <summary>The containers of every task definition.</summary>
    public IReadOnlyList<TaskContainer> Containers() =>
        [.. Resources("AWS::ECS::TaskDefinition")
            .SelectMany(t => t.Properties["ContainerDefinitions"]!.AsArray().Select(c => new TaskContainer(t.Id, t.Properties, c!.AsObject())))];

    /// <summary>The one container of that name (a host's: "api", "processor").</summary>
    public TaskContainer Container(string name) => Containers().Single(c => c.ContainerName == name);

    /// <summary>The container of that name in the same task as <paramref name="host"/> (its sidecar).</summary>
    public TaskContainer Beside(TaskContainer host, string name) =>
        Containers().Single(c => c.TaskDefinitionId == host.TaskDefinitionId && c.ContainerName == name);

    /// <summary>
    /// A value as CloudFormation would render it, with every intrinsic it cannot know here written as «…»:
    /// Fn::Join of literals joined, references and attributes named.
    /// </summary>
    public static string Render(JsonNode? node) => node switch
    {
        JsonValue value => value.ToString(),
        JsonObject o when o["Fn::Join"] is JsonArray join =>
            string.Join((string)join[0]!, join[1]!.AsArray().Select(Render)),
        JsonObject o when o.Count == 1 => $"«{o.First().Key} {Render(o.First().Value)}»",
        JsonObject o => $"«{string.Join(",", o.Select(p => p.Key))}»",
        JsonArray a => string.Join(",", a.Select(Render)),
        _ => "",
    };
}

/// <summary>One container of a task definition: what the host is given.</summary>
public sealed record TaskContainer(string TaskDefinitionId, JsonObject TaskDefinition, JsonObject Definition)
{
    public string ContainerName => (string)Definition["Name"]!;

    /// <summary>Environment variables, by name, with their values as JSON (a literal or an intrinsic).</summary>
    public IReadOnlyDictionary<string, JsonNode?> Variables =>
        (Definition["Environment"]?.AsArray() ?? []).ToDictionary(e => (string)e!["Name"]!, e => e!["Value"]);

    /// <summary>ECS secrets, by variable name, with where ECS reads them from.</summary>
    public IReadOnlyDictionary<string, JsonNode?> SecretSources =>
        (Definition["Secrets"]?.AsArray() ?? []).ToDictionary(e => (string)e!["Name"]!, e => e!["ValueFrom"]);

    public int? StopTimeoutSeconds => (int?)Definition["StopTimeout"];

    public IReadOnlyList<string> HealthCheckCommand =>
        Definition["HealthCheck"]?["Command"]?.AsArray().Select(c => (string)c!).ToList() ?? [];
}
