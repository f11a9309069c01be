using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace Webhook.Aws.Operations;

/// <summary>
/// The OpenTelemetry collector (AWS Distro) as a sidecar of a host's task: the host exports OTLP to it on loopback
/// (<see cref="OtlpEndpoint"/>), and it sends traces to X-Ray and metrics and logs to CloudWatch, in a log group of
/// the host's own. Not essential: a collector that dies costs telemetry, never events.
/// </summary>
public sealed class TelemetryCollector : Construct
{
    /// <summary>Pinned: a collector release changes what reaches CloudWatch.</summary>
    public const string Image = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3";

    /// <summary>Where the CloudWatch metrics the collector makes from the hosts' OTLP metrics are.</summary>
    public const string MetricNamespace = "ScalableWebhook";

    public const string OtlpEndpoint = "http://127.0.0.1:4317";

    public ContainerDefinition Container { get; }

    public LogGroup TelemetryLogGroup { get; }

    public TelemetryCollector(Construct scope, string id, FargateTaskDefinition task, string hostName, ILogGroup containerLogs,
        RetentionDays retention, MountPoint scratch) : base(scope, id)
    {
        TelemetryLogGroup = new LogGroup(this, "TelemetryLogs", new LogGroupProps
        {
            LogGroupName = $"/{Stack.Of(this).StackName}/{hostName}/telemetry",
            Retention = retention,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        Container = task.AddContainer("otel-collector", new ContainerDefinitionOptions
        {
            ContainerName = "otel-collector",
            Image = ContainerImage.FromRegistry(Image),
            Essential = false,
            Cpu = 64,
            MemoryReservationMiB = 128,
            ReadonlyRootFilesystem = true,
            Environment = new Dictionary<string, string> { ["AOT_CONFIG_CONTENT"] = Configuration(TelemetryLogGroup.LogGroupName) },
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = containerLogs, StreamPrefix = "otel-collector" }),
            HealthCheck = new Amazon.CDK.AWS.ECS.HealthCheck
            {
                // The image's own probe of the health_check extension.
                Command = ["CMD", "/healthcheck"],
                Interval = Duration.Seconds(30),
                Timeout = Duration.Seconds(5),
                StartPeriod = Duration.Seconds(10),
                Retries = 3,
            },
        });

        Container.AddMountPoints(scratch);

        // X-Ray's write actions take no resource; the telemetry log group is the collector's only other target.
        task.TaskRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
            Resources = ["*"],
        }));
        task.TaskRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resources = [TelemetryLogGroup.LogGroupArn],
        }));
    }

    static string Configuration(string logGroup)
    {
        using var stream = typeof(TelemetryCollector).Assembly.GetManifestResourceStream("Webhook.Aws.Operations.collector.yaml")
            ?? throw new InvalidOperationException("collector.yaml is not embedded in the app.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd()
            .Replace("$NAMESPACE", MetricNamespace, StringComparison.Ordinal)
            .Replace("$LOG_GROUP", logGroup, StringComparison.Ordinal);
    }
}
