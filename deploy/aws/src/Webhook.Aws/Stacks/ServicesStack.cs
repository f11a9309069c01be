using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Constructs;
using Webhook.Aws.Operations;
using Webhook.Aws.Services;

namespace Webhook.Aws.Stacks;

/// <summary>
/// What is replaced at every release: the ECS cluster, the API behind its internet-facing load balancer, the
/// Processor, the console behind an internal load balancer, their alarms. Each host gets the configuration keys it
/// requires (the tests of this app derive those from the hosts themselves and check this stack against them), its
/// secrets as ECS secrets, and a stop timeout longer than its own drain.
/// </summary>
public sealed class ServicesStack : Stack
{
    /// <summary>The API's drain: MassTransit's StopTimeout (30 s) for the publishes in flight, and a margin.</summary>
    public const int ApiStopTimeoutSeconds = 35;

    /// <summary>The Processor's drain: its HostOptions.ShutdownTimeout (45 s), and a margin.</summary>
    public const int ProcessorStopTimeoutSeconds = 50;

    /// <summary>The console's drain: the host's default HostOptions.ShutdownTimeout (30 s), and a margin.</summary>
    public const int ConsoleStopTimeoutSeconds = 35;

    /// <summary>
    /// One console task, not two: a replay runs in the task that started it (one at a time is enforced there, and its
    /// progress page is served from there), and the sign-in cookies and anti-forgery tokens are protected with keys
    /// held in the task's memory. A second task behind the load balancer would refuse the other's cookies and allow
    /// two replays at once. The console is not on the providers' path: ECS replaces a failed task within minutes.
    /// </summary>
    public const int ConsoleTasks = 1;

    /// <summary>
    /// A replay or purge through the console's JSON API (deploy/dlq.sh) answers only when it is done: at the default
    /// 100 events/s, 6,000 dead letters take a minute, past the load balancer's default idle timeout. An hour covers
    /// 360,000 at that rate; a request cut off stops its operation where it was, and loses nothing.
    /// </summary>
    public const int ConsoleIdleTimeoutSeconds = 3600;

    public Cluster Cluster { get; }
    public CfnParameter CertificateArn { get; }
    public CfnParameter ConsoleCertificateArn { get; }
    public LoadBalancedHostService Api { get; }
    public HostService Processor { get; }
    public LoadBalancedHostService Console { get; }
    public ServiceAlarms Alarms { get; }

    public ServicesStack(Construct scope, string id, DataStack data, WebhookSettings settings, IStackProps? props = null)
        : base(scope, id, props)
    {
        CertificateArn = new CfnParameter(this, "CertificateArn", new CfnParameterProps
        {
            Type = "String",
            AllowedPattern = CertificatePattern,
            Description = "ACM certificate of the API's HTTPS listener (the name providers post webhooks to).",
        });

        // The console's own name (console.internal.example.com, say) is rarely on the providers' certificate, and it is
        // renewed and revoked apart from the intake's: a parameter of its own. A certificate that names both may be
        // given to both.
        ConsoleCertificateArn = new CfnParameter(this, "ConsoleCertificateArn", new CfnParameterProps
        {
            Type = "String",
            AllowedPattern = CertificatePattern,
            Description = "ACM certificate of the console's internal HTTPS listener (the name people open the console at).",
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

        // The people's console: inside the VPC only, reached over a VPN, Direct Connect or a bastion (README: the console).
        Console = new LoadBalancedHostService(this, "Console", Cluster, ConsoleHost(data, settings), new LoadBalancing
        {
            InternetFacing = false,
            CertificateArn = ConsoleCertificateArn.ValueAsString,
            Clients = [settings.ConsoleClientNetwork is { Length: > 0 } network ? Peer.Ipv4(network) : Peer.Ipv4(data.Network.Vpc.VpcCidrBlock)],
            MinTasks = ConsoleTasks,
            MaxTasks = ConsoleTasks,
            IdleTimeoutSeconds = ConsoleIdleTimeoutSeconds,
        }, settings);
        Console.Host.Service.Connections.AllowTo(data.Broker.Connections, Port.Tcp(Data.Broker.AmqpsPort), "Console to the broker");
        Console.Host.Service.Connections.AllowTo(data.Database.Instance, Port.Tcp(5432), "Console to PostgreSQL");
        // What Webhook.Console's StatisticsReader and its readiness check call: no write, no scan.
        foreach (var table in data.Statistics.Tables)
            table.Grant(Console.Host.TaskDefinition.TaskRole, "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query");

        Alarms = new ServiceAlarms(this, "Alarms", Api.LoadBalancer, ProcessorProject, Console.TargetGroup, data.AlarmTopic);

        // For `aws ecs update-service --cluster … --service … --force-new-deployment` after a secret changed.
        _ = new CfnOutput(this, "ClusterName", new CfnOutputProps { Value = Cluster.ClusterName });
        _ = new CfnOutput(this, "ApiServiceName", new CfnOutputProps { Value = Api.Host.Service.ServiceName });
        _ = new CfnOutput(this, "ProcessorServiceName", new CfnOutputProps { Value = Processor.Service.ServiceName });
        _ = new CfnOutput(this, "ConsoleServiceName", new CfnOutputProps { Value = Console.Host.Service.ServiceName });
        _ = new CfnOutput(this, "ConsoleLoadBalancerDnsName", new CfnOutputProps
        {
            Value = Console.LoadBalancer.LoadBalancerDnsName,
            Description = "Internal: point the console's certificate name here; people open https://<that name>/ from inside the network.",
        });
        _ = new CfnOutput(this, "ApiLoadBalancerDnsName", new CfnOutputProps
        {
            Value = Api.LoadBalancer.LoadBalancerDnsName,
            Description = "Point the certificate's DNS name here (CNAME or alias); providers post to https://<that name>/webhooks/….",
        });
    }

    const string ProcessorProject = "Webhook.Processor";
    const string CertificatePattern = "arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+";

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

    static HostDefinition ConsoleHost(DataStack data, WebhookSettings settings) => new()
    {
        Project = "Webhook.Console",
        StopTimeoutSeconds = ConsoleStopTimeoutSeconds,
        Settings = new Dictionary<string, string>
        {
            [HostKeys.AwsRegion] = Amazon.CDK.Aws.REGION,
            [HostKeys.TablePrefix] = settings.TablePrefix,
            // Its load balancer's nodes are in the VPC: their X-Forwarded-For names the client (the sign-in budget is
            // per client) and X-Forwarded-Proto the scheme (the sign-in cookie is Secure over HTTPS).
            [HostKeys.KnownNetwork] = data.Network.Vpc.VpcCidrBlock,
        },
        // The Processor's connection strings: the console makes its own PostgreSQL sessions read only
        // (default_transaction_read_only), and writes to the broker only what operators replay.
        Secrets = new Dictionary<string, Amazon.CDK.AWS.ECS.Secret>(
            data.ConsoleKeys.Secrets.Select(key => KeyValuePair.Create(key.Key, Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(key.Value))))
        {
            [HostKeys.RabbitMq] = Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(data.Broker.ConnectionString),
            [HostKeys.Postgres] = Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(data.Database.ConnectionString),
        },
    };

    static HostDefinition ProcessorHost(DataStack data, WebhookSettings settings) => new()
    {
        Project = ProcessorProject,
        StopTimeoutSeconds = ProcessorStopTimeoutSeconds,
        // Its --migrate process, when the database lacks this build's newest migration, migrates it before it serves
        // /health/live, waiting up to 2 minutes for PostgreSQL.
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
