using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.SNS;
using Constructs;
using Webhook.Aws.Data;
using Webhook.Messaging;

namespace Webhook.Aws.Operations;

/// <summary>
/// What operators are woken for on the data side: events waiting in the dead-letter queue, the queue filling up, no
/// Processor consuming, and the database short of CPU or storage. Amazon MQ publishes each queue's metrics every
/// minute under AWS/AmazonMQ with the dimensions Broker, VirtualHost and Queue. README: reading the alarms.
/// </summary>
public sealed class DataAlarms : Construct
{
    const string VirtualHost = "/";

    public Alarm DeadLetters { get; }
    public Alarm QueueDepth { get; }
    public Alarm NoConsumer { get; }
    public Alarm DatabaseCpu { get; }
    public Alarm DatabaseStorage { get; }

    public DataAlarms(Construct scope, string id, Broker broker, Database database, ITopic topic) : base(scope, id)
    {
        var queues = new BrokerOptions();
        var action = new SnsAction(topic);

        // Nothing leaves the error queue by itself: one event there is one an operator has to look at.
        DeadLetters = new Alarm(this, "DeadLetters", new AlarmProps
        {
            AlarmDescription = $"Events wait in {queues.ErrorQueueName}: list them with deploy/dlq.sh list, fix the cause, replay.",
            Metric = QueueMetric(broker, queues.ErrorQueueName, "MessageCount", Stats.MAXIMUM, Duration.Minutes(1)),
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            Threshold = 0,
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }).Notify(action);

        // Half of the queue policy's max-length: past the whole of it the broker refuses publishes and the API answers 503.
        QueueDepth = new Alarm(this, "QueueDepth", new AlarmProps
        {
            AlarmDescription = $"{queues.QueueName} holds over half of the max-length of its policy {QueuePolicy.Name} ({QueuePolicy.MaxLength}): the Processor is not keeping up or not consuming.",
            Metric = QueueMetric(broker, queues.QueueName, "MessageReadyCount", Stats.MAXIMUM, Duration.Minutes(1)),
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            Threshold = QueuePolicy.MaxLength / 2,
            EvaluationPeriods = 5,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }).Notify(action);

        // Every Processor replica subscribes (one active, the others standby); none at all means nothing is processed.
        NoConsumer = new Alarm(this, "NoConsumer", new AlarmProps
        {
            AlarmDescription = $"No Processor consumes {queues.QueueName}: events are accepted and wait.",
            Metric = QueueMetric(broker, queues.QueueName, "ConsumerCount", Stats.MINIMUM, Duration.Minutes(1)),
            ComparisonOperator = ComparisonOperator.LESS_THAN_THRESHOLD,
            Threshold = 1,
            EvaluationPeriods = 3,
            TreatMissingData = TreatMissingData.BREACHING,
        }).Notify(action);

        DatabaseCpu = new Alarm(this, "DatabaseCpu", new AlarmProps
        {
            AlarmDescription = "PostgreSQL's CPU is above 80% for 15 minutes.",
            Metric = database.Instance.MetricCPUUtilization(new MetricOptions { Period = Duration.Minutes(5), Statistic = Stats.AVERAGE }),
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            Threshold = 80,
            EvaluationPeriods = 3,
            TreatMissingData = TreatMissingData.MISSING,
        }).Notify(action);

        // A tenth of the initial storage; storage autoscaling grows the volume before this, up to its maximum.
        DatabaseStorage = new Alarm(this, "DatabaseStorage", new AlarmProps
        {
            AlarmDescription = $"PostgreSQL has less than {Database.StorageGiB / 10} GiB free.",
            Metric = database.Instance.MetricFreeStorageSpace(new MetricOptions { Period = Duration.Minutes(5), Statistic = Stats.MINIMUM }),
            ComparisonOperator = ComparisonOperator.LESS_THAN_THRESHOLD,
            Threshold = Database.StorageGiB / 10.0 * 1024 * 1024 * 1024,
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.MISSING,
        }).Notify(action);
    }

    static Metric QueueMetric(Broker broker, string queue, string metricName, string statistic, Duration period) => new(new MetricProps
    {
        Namespace = "AWS/AmazonMQ",
        MetricName = metricName,
        DimensionsMap = new Dictionary<string, string> { ["Broker"] = broker.BrokerName, ["VirtualHost"] = VirtualHost, ["Queue"] = queue },
        Statistic = statistic,
        Period = period,
    });
}
