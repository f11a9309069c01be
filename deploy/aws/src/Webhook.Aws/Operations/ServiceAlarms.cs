using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.SNS;
using Constructs;

namespace Webhook.Aws.Operations;

/// <summary>
/// What operators are woken for on the services side: the load balancer answering 5xx (the API's 503 when the broker
/// does not confirm, or a failure of the balancer itself), and events waiting too long before the Processor takes
/// them, as the Processor measures it (MassTransit's delivery duration: from publish to consumption), and the console
/// with no healthy task (operators would find out only when they need it).
/// </summary>
public sealed class ServiceAlarms : Construct
{
    /// <summary>The longest wait before consumption that is still a burst being absorbed rather than a stall.</summary>
    public static readonly Duration MaxEventAge = Duration.Minutes(10);

    public Alarm LoadBalancer5xx { get; }
    public Alarm EventAge { get; }
    public Alarm ConsoleUnavailable { get; }

    public ServiceAlarms(Construct scope, string id, ApplicationLoadBalancer loadBalancer, string processorServiceName,
        ApplicationTargetGroup console, ITopic topic)
        : base(scope, id)
    {
        var action = new SnsAction(topic);

        var targets5xx = loadBalancer.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, new MetricOptions { Period = Duration.Minutes(1), Statistic = Stats.SUM });
        var balancer5xx = loadBalancer.Metrics.HttpCodeElb(HttpCodeElb.ELB_5XX_COUNT, new MetricOptions { Period = Duration.Minutes(1), Statistic = Stats.SUM });
        LoadBalancer5xx = new Alarm(this, "LoadBalancer5xx", new AlarmProps
        {
            AlarmDescription = "The API answers 5xx (503: the broker does not confirm; providers retry) or the load balancer fails requests.",
            Metric = new MathExpression(new MathExpressionProps
            {
                Expression = "FILL(targets, 0) + FILL(balancer, 0)",
                UsingMetrics = new Dictionary<string, IMetric> { ["targets"] = targets5xx, ["balancer"] = balancer5xx },
                Period = Duration.Minutes(1),
                Label = "5xx answers",
            }),
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            Threshold = 10,
            EvaluationPeriods = 5,
            DatapointsToAlarm = 3,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }).Notify(action);

        EventAge = new Alarm(this, "EventAge", new AlarmProps
        {
            AlarmDescription = $"Events waited more than {MaxEventAge.ToMinutes()} minutes in the queue before the Processor took them.",
            Metric = new Metric(new MetricProps
            {
                Namespace = TelemetryCollector.MetricNamespace,
                MetricName = "messaging.masstransit.delivery.duration",
                DimensionsMap = new Dictionary<string, string> { ["service.name"] = processorServiceName },
                Statistic = Stats.MAXIMUM,
                Period = Duration.Minutes(5),
            }),
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            Threshold = MaxEventAge.ToMilliseconds(),
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }).Notify(action);

        // Its one task is replaced within minutes when it fails; longer than that, something keeps it from being ready.
        ConsoleUnavailable = new Alarm(this, "ConsoleUnavailable", new AlarmProps
        {
            AlarmDescription = "The console has had no healthy task for 10 minutes: its service events, its log (/health/ready: DynamoDB, PostgreSQL).",
            Metric = console.Metrics.HealthyHostCount(new MetricOptions { Period = Duration.Minutes(1), Statistic = Stats.MINIMUM }),
            ComparisonOperator = ComparisonOperator.LESS_THAN_THRESHOLD,
            Threshold = 1,
            EvaluationPeriods = 10,
            TreatMissingData = TreatMissingData.BREACHING,
        }).Notify(action);
    }
}
