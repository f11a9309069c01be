using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Constructs;
using Webhook.Aws.Operations;
using Webhook.Aws.Services;

namespace Webhook.Aws.Stacks;

/// <summary>
/// What is replaced at every release: the ECS cluster, the API behind its internet-facing load balancer, the
/// Processor, their alarms. Each host gets the configuration keys it requires (the tests of this app derive those
/// from the hosts themselves and check this stack against them), its secrets as ECS secrets, and a stop timeout
/// longer than its own drain.
/// </summary>
public sealed class ServicesStack : Stack
{
    /// <summary>The API's drain: MassTransit's StopTimeout (30 s) for the publishes in flight, and a margin.</summary>
    public const int ApiStopTimeoutSeconds = 35;

    /// <summary>The Processor's drain: its HostOptions.ShutdownTimeout (45 s), and a margin.</summary>
    public const int ProcessorStopTimeoutSeconds = 50;

    public Cluster Cluster { get; }
    public CfnParameter CertificateArn { get; }
    public LoadBalancedHostService Api { get; }
    public HostService Processor { get; }
    public ServiceAlarms Alarms { get; }

    public ServicesStack(Construct scope, string id, DataStack data, WebhookSettings settings, IStackProps? props = null)
        : base(scope, id, props)
    {
        CertificateArn = new CfnParameter(this, "CertificateArn", new CfnParameterProps
        {
            Type = "String",
            AllowedPattern = "arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+",
            Description = "ACM certificate of the API's HTTPS listener (the name providers post webhooks to).",
        });

        Cluster = new Cluster(this, "Cluster", new ClusterProps { Vpc = data.Network.Vpc });

        Api = new LoadBalancedHostService(this, "Api", Cluster, ApiHost(data, settings), new LoadBalancing
        {
            InternetFacing = true,
            CertificateArn = CertificateArn.ValueAsString,
            MinTasks = settings.ApiMinTasks,
            MaxTasks = settings.ApiMaxTasks,
        }, settings);
        Api.Host.Service.Connections.AllowTo(data.Broker.Connections, Port.Tcp(Data.Broker.AmqpsPort), "API to the broker");
        foreach (var table in data.Tokens.Tables)
            table.Grant(Api.Host.TaskDefinition.TaskRole, "dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem");

        Processor = new HostService(this, "Processor", Cluster, ProcessorHost(data, settings), settings);
        Processor.Service.Connections.AllowTo(data.Broker.Connections, Port.Tcp(Data.Broker.AmqpsPort), "Processor to the broker");
        Processor.Service.Connections.AllowTo(data.Database.Instance, Port.Tcp(5432), "Processor to PostgreSQL");
        foreach (var table in data.Statistics.Tables)
            table.Grant(Processor.TaskDefinition.TaskRole, "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");

        // The people's console (Webhook.Console, port 5082 in its own host, keys Console:AnalystKey and
        // Console:OperatorKey) joins as one more LoadBalancedHostService with InternetFacing false, its keys in a
        // secret of the data stack, and read grants on the tables: deploy/aws/README.md, "The console".
        Alarms = new ServiceAlarms(this, "Alarms", Api.LoadBalancer, ProcessorProject, data.AlarmTopic);

        // For `aws ecs update-service --cluster … --service … --force-new-deployment` after a secret changed.
        _ = new CfnOutput(this, "ClusterName", new CfnOutputProps { Value = Cluster.ClusterName });
        _ = new CfnOutput(this, "ApiServiceName", new CfnOutputProps { Value = Api.Host.Service.ServiceName });
        _ = new CfnOutput(this, "ProcessorServiceName", new CfnOutputProps { Value = Processor.Service.ServiceName });
        _ = new CfnOutput(this, "ApiLoadBalancerDnsName", new CfnOutputProps
        {
            Value = Api.LoadBalancer.LoadBalancerDnsName,
            Description = "Point the certificate's DNS name here (CNAME or alias); providers post to https://<that name>/webhooks/….",
        });
    }

    const string ProcessorProject = "Webhook.Processor";

    static HostDefinition ApiHost(DataStack data, WebhookSettings settings) => new()
    {
        Project = "Webhook.Api",
        StopTimeoutSeconds = ApiStopTimeoutSeconds,
        Settings = new Dictionary<string, string>
        {
            [HostKeys.AwsRegion] = Amazon.CDK.Aws.REGION,
            [HostKeys.TablePrefix] = settings.TablePrefix,
            [HostKeys.CreateTables] = "false",
            // The load balancer's nodes are in the VPC: their X-Forwarded-For names the client.
            [HostKeys.KnownNetwork] = data.Network.Vpc.VpcCidrBlock,
        },
        Secrets = new Dictionary<string, Amazon.CDK.AWS.ECS.Secret>(
            Data.ApiKeys.Keys.Select(key => KeyValuePair.Create(key,
                Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(data.ApiKeys.Secret, HostKeys.EnvironmentVariable(key)))))
        {
            [HostKeys.RabbitMq] = Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(data.Broker.ConnectionString),
        },
    };

    static HostDefinition ProcessorHost(DataStack data, WebhookSettings settings) => new()
    {
        Project = ProcessorProject,
        StopTimeoutSeconds = ProcessorStopTimeoutSeconds,
        // It migrates the database before it serves /health/live, waiting up to 2 minutes for PostgreSQL.
        StartPeriodSeconds = 150,
        DesiredCount = settings.ProcessorTasks,
        Settings = new Dictionary<string, string>
        {
            [HostKeys.AwsRegion] = Amazon.CDK.Aws.REGION,
            [HostKeys.TablePrefix] = settings.TablePrefix,
            [HostKeys.CreateTables] = "false",
            [HostKeys.ConcurrencyLimit] = settings.ProcessorConcurrencyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
        Secrets = new Dictionary<string, Amazon.CDK.AWS.ECS.Secret>
        {
            [HostKeys.RabbitMq] = Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(data.Broker.ConnectionString),
            [HostKeys.Postgres] = Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(data.Database.ConnectionString),
        },
    };
}
