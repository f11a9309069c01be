using Amazon.CDK;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Webhook.Storage;

namespace Webhook.Aws;

/// <summary>
/// The knobs of a deployment, read from the CDK context (<c>cdk deploy -c apiMaxTasks=20</c>, or cdk.json's
/// "context"); every one has a default that is a sound production start. What each costs: deploy/aws/README.md.
/// </summary>
public sealed record WebhookSettings
{
    /// <summary>The repository the hosts' images are built from (their Dockerfiles expect its root as the context).</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>The hosts' Stats:TablePrefix: several deployments can share an account under different prefixes.</summary>
    public string TablePrefix { get; init; } = new StatsOptions().TablePrefix;

    public int ApiMinTasks { get; init; } = 2;
    public int ApiMaxTasks { get; init; } = 10;

    /// <summary>One active, the others standby: the queue's single active consumer feeds one of them at a time.</summary>
    public int ProcessorTasks { get; init; } = 2;

    /// <summary>Processor:ConcurrencyLimit, the events processed at once across every replica (the databases' load).</summary>
    public int ProcessorConcurrencyLimit { get; init; } = 3;

    /// <summary>Amazon MQ for RabbitMQ: 3.13 has quorum queues and mirrors the classic error queue across the cluster.</summary>
    public string BrokerEngineVersion { get; init; } = "3.13";
    public string BrokerInstanceType { get; init; } = "mq.m5.large";

    /// <summary>RDS instance class without its "db." prefix.</summary>
    public string DatabaseInstanceType { get; init; } = "t4g.medium";

    /// <summary>One NAT gateway per availability zone, so that losing a zone does not cut the other one off.</summary>
    public int NatGateways { get; init; } = 2;

    /// <summary>
    /// The network (CIDR) allowed to reach the console's internal load balancer; unset, the VPC's own range (a client
    /// VPN or a bastion in the VPC). Direct Connect or a site-to-site VPN keeps the office's addresses: name that range.
    /// </summary>
    public string? ConsoleClientNetwork { get; init; }

    public RetentionDays LogRetention { get; init; } = RetentionDays.ONE_MONTH;

    public static WebhookSettings FromContext(Construct scope, string repositoryRoot)
    {
        var defaults = new WebhookSettings { RepositoryRoot = repositoryRoot };
        return defaults with
        {
            TablePrefix = Text(scope, "tablePrefix") ?? defaults.TablePrefix,
            ApiMinTasks = Number(scope, "apiMinTasks") ?? defaults.ApiMinTasks,
            ApiMaxTasks = Number(scope, "apiMaxTasks") ?? defaults.ApiMaxTasks,
            ProcessorTasks = Number(scope, "processorTasks") ?? defaults.ProcessorTasks,
            ProcessorConcurrencyLimit = Number(scope, "processorConcurrencyLimit") ?? defaults.ProcessorConcurrencyLimit,
            BrokerEngineVersion = Text(scope, "brokerEngineVersion") ?? defaults.BrokerEngineVersion,
            BrokerInstanceType = Text(scope, "brokerInstanceType") ?? defaults.BrokerInstanceType,
            DatabaseInstanceType = Text(scope, "databaseInstanceType") ?? defaults.DatabaseInstanceType,
            NatGateways = Number(scope, "natGateways") ?? defaults.NatGateways,
            ConsoleClientNetwork = Text(scope, "consoleClientNetwork") ?? defaults.ConsoleClientNetwork,
        };
    }

    static string? Text(Construct scope, string key) => scope.Node.TryGetContext(key)?.ToString();

    static int? Number(Construct scope, string key) =>
        Text(scope, key) is { } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : null;
}
