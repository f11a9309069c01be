using Amazon.CDK;
using Amazon.CDK.AWS.AmazonMQ;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;

namespace Webhook.Aws.Data;

/// <summary>
/// Amazon MQ for RabbitMQ, deployed as a cluster (three nodes across the region's zones), private to the VPC, in the
/// isolated subnets. Its user's credentials are generated into Secrets Manager; the hosts get the whole amqps URI as
/// one secret (ConnectionStrings:RabbitMq), assembled by CloudFormation from the broker's endpoint and dynamic
/// references to those credentials, so that no password is ever written into a template.
/// </summary>
public sealed class Broker : Construct
{
    public const string UserName = "webhook";
    public const int AmqpsPort = 5671;

    /// <summary>Amazon MQ's name of the broker, which its CloudWatch metrics carry as the Broker dimension.</summary>
    public string BrokerName { get; }

    public CfnBroker Resource { get; }

    public Secret Credentials { get; }

    /// <summary>ConnectionStrings:RabbitMq: amqps://user:password@host:5671.</summary>
    public Secret ConnectionString { get; }

    public Connections_ Connections { get; }

    public Broker(Construct scope, string id, IVpc vpc, string engineVersion, string instanceType) : base(scope, id)
    {
        BrokerName = $"{Stack.Of(this).StackName}-broker";

        // Amazon MQ refuses commas, colons, equals signs and spaces in a password; the URI would need anything but
        // letters and digits escaped. 32 letters and digits are ~190 bits.
        Credentials = new Secret(this, "Credentials", new SecretProps
        {
            Description = $"The RabbitMQ user of {BrokerName} (also for its management console).",
            GenerateSecretString = new SecretStringGenerator
            {
                SecretStringTemplate = $$"""{"username":"{{UserName}}"}""",
                GenerateStringKey = "password",
                PasswordLength = 32,
                ExcludePunctuation = true,
                IncludeSpace = false,
            },
        });

        var securityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc,
            Description = "Amazon MQ for RabbitMQ: AMQPS from the services only",
            AllowAllOutbound = false,
        });
        Connections = new Connections_(new ConnectionsProps { SecurityGroups = [securityGroup], DefaultPort = Port.Tcp(AmqpsPort) });

        Resource = new CfnBroker(this, "Resource", new CfnBrokerProps
        {
            BrokerName = BrokerName,
            EngineType = "RABBITMQ",
            EngineVersion = engineVersion,
            HostInstanceType = instanceType,
            DeploymentMode = "CLUSTER_MULTI_AZ",
            PubliclyAccessible = false,
            AutoMinorVersionUpgrade = true,
            SubnetIds = vpc.SelectSubnets(new SubnetSelection { SubnetType = SubnetType.PRIVATE_ISOLATED }).SubnetIds,
            SecurityGroups = [securityGroup.SecurityGroupId],
            Logs = new CfnBroker.LogListProperty { General = true },
            MaintenanceWindowStartTime = new CfnBroker.MaintenanceWindowProperty { DayOfWeek = "SUNDAY", TimeOfDay = "03:00", TimeZone = "UTC" },
            Users = new object[]
            {
                new CfnBroker.UserProperty
                {
                    Username = UserName,
                    Password = Credentials.SecretValueFromJson("password").UnsafeUnwrap(),
                },
            },
        });

        // The endpoint reads amqps://b-….mq.<region>.amazonaws.com:5671; the credentials go between scheme and host.
        var hostAndPort = Fn.Select(1, Fn.Split("://", Fn.Select(0, Resource.AttrAmqpEndpoints)));
        ConnectionString = new Secret(this, "ConnectionString", new SecretProps
        {
            Description = $"ConnectionStrings:RabbitMq of the hosts: the amqps URI of {BrokerName} with its user's credentials.",
            SecretStringValue = SecretValue.UnsafePlainText(Fn.Join("", [
                "amqps://", UserName, ":", Credentials.SecretValueFromJson("password").UnsafeUnwrap(), "@", hostAndPort, "/",
            ])),
        });
    }
}
