using Amazon.CDK;
using Amazon.CDK.AWS.SNS;
using Constructs;
using Webhook.Aws.Data;
using Webhook.Aws.Operations;
using Webhook.Storage;

namespace Webhook.Aws.Stacks;

/// <summary>
/// What lives for years and holds the data: the network, the broker, the database, the statistics tables, the API's
/// and the console's keys, and the topic operators subscribe to. Deployed first and rarely; termination protection on.
/// </summary>
public sealed class DataStack : Stack
{
    public Network.Network Network { get; }
    public Broker Broker { get; }
    public Database Database { get; }

    /// <summary>The tables the Processor writes (its statistics).</summary>
    public DynamoTables Statistics { get; }

    /// <summary>The table the API writes (Mailgun's single-use tokens).</summary>
    public DynamoTables Tokens { get; }

    public ApiKeys ApiKeys { get; }
    public ConsoleKeys ConsoleKeys { get; }
    public Topic AlarmTopic { get; }
    public DataAlarms Alarms { get; }

    public DataStack(Construct scope, string id, WebhookSettings settings, IStackProps? props = null) : base(scope, id, props)
    {
        TerminationProtection = true;
        Network = new Network.Network(this, "Network", settings.NatGateways);
        Broker = new Broker(this, "Broker", Network.Vpc, settings.BrokerEngineVersion, settings.BrokerInstanceType);
        Database = new Database(this, "Database", Network.Vpc, settings.DatabaseInstanceType);

        var stats = new StatsOptions { TablePrefix = settings.TablePrefix };
        Statistics = new DynamoTables(this, "Statistics", new StatsTables(stats).Definitions());
        Tokens = new DynamoTables(this, "Tokens", [new SingleUseTokenTable(stats).Definition]);

        ApiKeys = new ApiKeys(this, "ApiKeys");
        ConsoleKeys = new ConsoleKeys(this, "ConsoleKeys");
        AlarmTopic = new Topic(this, "AlarmTopic", new TopicProps { DisplayName = "ScalableWebhook alarms" });
        Alarms = new DataAlarms(this, "Alarms", Broker, Database, AlarmTopic);

        _ = new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = AlarmTopic.TopicArn, Description = "Subscribe operators here (README: reading the alarms)." });
        _ = new CfnOutput(this, "ApiKeysSecretArn", new CfnOutputProps { Value = ApiKeys.Secret.SecretArn, Description = "Put the providers' keys here (README: setting the secrets)." });
        _ = new CfnOutput(this, "ConsoleAnalystKeySecretArn", new CfnOutputProps { Value = ConsoleKeys.Analyst.SecretArn, Description = "The analysts' key to the console (README: the console)." });
        _ = new CfnOutput(this, "ConsoleOperatorKeySecretArn", new CfnOutputProps { Value = ConsoleKeys.Operator.SecretArn, Description = "The operators' key to the console and deploy/dlq.sh (README: the console)." });
        // For rotating the passwords (README: rotating keys): each credentials secret and the connection string made from it.
        _ = new CfnOutput(this, "BrokerCredentialsSecretArn", new CfnOutputProps { Value = Broker.Credentials.SecretArn });
        _ = new CfnOutput(this, "BrokerConnectionStringSecretArn", new CfnOutputProps { Value = Broker.ConnectionString.SecretArn });
        _ = new CfnOutput(this, "DatabaseCredentialsSecretArn", new CfnOutputProps { Value = Database.Instance.Secret!.SecretArn });
        _ = new CfnOutput(this, "DatabaseConnectionStringSecretArn", new CfnOutputProps { Value = Database.ConnectionString.SecretArn });
    }
}
