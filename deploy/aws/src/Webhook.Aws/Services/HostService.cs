using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Webhook.Aws.Operations;
using EcsHealthCheck = Amazon.CDK.AWS.ECS.HealthCheck;

namespace Webhook.Aws.Services;

/// <summary>What runs one of the product's hosts: its image, configuration, secrets and drain time.</summary>
public sealed record HostDefinition
{
    /// <summary>The project, e.g. Webhook.Api: its Dockerfile is &lt;project&gt;/Dockerfile, its assembly &lt;project&gt;.dll.</summary>
    public required string Project { get; init; }

    /// <summary>Configuration keys (":" form) and their values.</summary>
    public required IReadOnlyDictionary<string, string> Settings { get; init; }

    /// <summary>Configuration keys given from Secrets Manager.</summary>
    public required IReadOnlyDictionary<string, Secret> Secrets { get; init; }

    /// <summary>
    /// Seconds between SIGTERM and SIGKILL: the host's own drain time and a margin (Fargate allows 120 at most).
    /// </summary>
    public required int StopTimeoutSeconds { get; init; }

    /// <summary>
    /// How long the container health check lets the host start before its failures count: /health/live answers
    /// once the host's start-up work (hosted services that run before the server) is done.
    /// </summary>
    public int StartPeriodSeconds { get; init; } = 30;

    public int Cpu { get; init; } = 512;
    public int MemoryMiB { get; init; } = 1024;
    public int DesiredCount { get; init; } = 2;
}

/// <summary>
/// One host of the product on Fargate, in the private subnets: its image built from the repository, its settings as
/// environment variables and its secrets as ECS secrets (read by the execution role at start, never in the template),
/// a read-only root file system with a writable /tmp, the container health check of its image, a log group with
/// retention, the OpenTelemetry collector beside it, and rolling deployments that roll back when tasks fail to start.
/// </summary>
public sealed class HostService : Construct
{
    public const int ContainerPort = 8080;
    const string TmpVolume = "tmp";

    public FargateTaskDefinition TaskDefinition { get; }
    public ContainerDefinition Container { get; }
    public FargateService Service { get; }
    public LogGroup LogGroup { get; }

    public HostService(Construct scope, string id, ICluster cluster, HostDefinition host, WebhookSettings settings) : base(scope, id)
    {
        var name = id.ToLowerInvariant();
        LogGroup = new LogGroup(this, "Logs", new LogGroupProps
        {
            LogGroupName = $"/{Stack.Of(this).StackName}/{name}",
            Retention = settings.LogRetention,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        TaskDefinition = new FargateTaskDefinition(this, "Task", new FargateTaskDefinitionProps
        {
            Cpu = host.Cpu,
            MemoryLimitMiB = host.MemoryMiB,
            RuntimePlatform = new RuntimePlatform { CpuArchitecture = CpuArchitecture.X86_64, OperatingSystemFamily = OperatingSystemFamily.LINUX },
        });
        TaskDefinition.AddVolume(new Amazon.CDK.AWS.ECS.Volume { Name = TmpVolume });

        var environment = host.Settings.ToDictionary(s => HostKeys.EnvironmentVariable(s.Key), s => s.Value);
        environment[HostKeys.OtlpEndpoint] = TelemetryCollector.OtlpEndpoint;
        environment[HostKeys.ServiceName] = host.Project;

        Container = TaskDefinition.AddContainer(name, new ContainerDefinitionOptions
        {
            ContainerName = name,
            Image = ContainerImage.FromAsset(settings.RepositoryRoot, new AssetImageProps
            {
                File = $"{host.Project}/Dockerfile",
                Platform = Amazon.CDK.AWS.Ecr.Assets.Platform_.LINUX_AMD64,
            }),
            Essential = true,
            Environment = environment,
            Secrets = host.Secrets.ToDictionary(s => HostKeys.EnvironmentVariable(s.Key), s => s.Value),
            PortMappings = [new PortMapping { ContainerPort = ContainerPort, Protocol = Amazon.CDK.AWS.ECS.Protocol.TCP }],
            ReadonlyRootFilesystem = true,
            StopTimeout = Duration.Seconds(host.StopTimeoutSeconds),
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = LogGroup, StreamPrefix = name }),
            // The image's own probe (its runtime has no shell): the host's binary asks /health/live on loopback.
            HealthCheck = new EcsHealthCheck
            {
                Command = ["CMD", "dotnet", $"/app/{host.Project}.dll", Webhook.ServiceDefaults.LivenessProbe.Argument],
                Interval = Duration.Seconds(30),
                Timeout = Duration.Seconds(5),
                StartPeriod = Duration.Seconds(host.StartPeriodSeconds),
                Retries = 3,
            },
        });
        var scratch = new MountPoint { SourceVolume = TmpVolume, ContainerPath = "/tmp", ReadOnly = false };
        Container.AddMountPoints(scratch);

        var collector = new TelemetryCollector(this, "Telemetry", TaskDefinition, name, LogGroup, settings.LogRetention, scratch);
        Container.AddContainerDependencies(new ContainerDependency { Container = collector.Container, Condition = ContainerDependencyCondition.START });

        Service = new FargateService(this, "Service", new FargateServiceProps
        {
            Cluster = cluster,
            TaskDefinition = TaskDefinition,
            DesiredCount = host.DesiredCount,
            VpcSubnets = new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS },
            AssignPublicIp = false,
            MinHealthyPercent = 100,
            MaxHealthyPercent = 200,
            CircuitBreaker = new DeploymentCircuitBreaker { Enable = true, Rollback = true },
            PlatformVersion = FargatePlatformVersion.LATEST,
            EnableExecuteCommand = false,
        });
    }
}
