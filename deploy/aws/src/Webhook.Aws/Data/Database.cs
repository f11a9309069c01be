using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.RDS;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;

namespace Webhook.Aws.Data;

/// <summary>
/// The marketing database: RDS for PostgreSQL, Multi-AZ, encrypted, backed up daily for a week, protected from
/// deletion, in the isolated subnets. Its master credentials are generated into Secrets Manager; the Processor gets
/// ConnectionStrings:Postgres as one secret, assembled by CloudFormation from the instance's endpoint and dynamic
/// references to those credentials.
/// </summary>
public sealed class Database : Construct
{
    public const string UserName = "webhook";
    public const string DatabaseName = "webhook";

    /// <summary>What the instance starts with; storage autoscaling grows it up to <see cref="MaxStorageGiB"/>.</summary>
    public const int StorageGiB = 20;
    public const int MaxStorageGiB = 200;

    public DatabaseInstance Instance { get; }

    /// <summary>ConnectionStrings:Postgres, an Npgsql connection string with the credentials.</summary>
    public Secret ConnectionString { get; }

    public Database(Construct scope, string id, IVpc vpc, string instanceType) : base(scope, id)
    {
        Instance = new DatabaseInstance(this, "Instance", new DatabaseInstanceProps
        {
            Engine = DatabaseInstanceEngine.Postgres(new PostgresInstanceEngineProps { Version = PostgresEngineVersion.VER_16_4 }),
            InstanceType = new Amazon.CDK.AWS.EC2.InstanceType(instanceType),
            Vpc = vpc,
            VpcSubnets = new SubnetSelection { SubnetType = SubnetType.PRIVATE_ISOLATED },
            MultiAz = true,
            StorageEncrypted = true,
            StorageType = StorageType.GP3,
            AllocatedStorage = StorageGiB,
            MaxAllocatedStorage = MaxStorageGiB,
            BackupRetention = Duration.Days(7),
            DeletionProtection = true,
            RemovalPolicy = RemovalPolicy.SNAPSHOT,
            DatabaseName = DatabaseName,
            // Letters and digits only: nothing a connection string would need quoted.
            Credentials = Credentials.FromGeneratedSecret(UserName, new CredentialsBaseOptions
            {
                ExcludeCharacters = " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
            }),
            AutoMinorVersionUpgrade = true,
            EnablePerformanceInsights = true,
            CloudwatchLogsExports = ["postgresql"],
            CloudwatchLogsRetention = Amazon.CDK.AWS.Logs.RetentionDays.ONE_MONTH,
            PubliclyAccessible = false,
        });

        var credentials = Instance.Secret!;
        // Require: encrypted, without checking the chain (RDS's CA is not in the image's trust store; see the README).
        ConnectionString = new Secret(this, "ConnectionString", new SecretProps
        {
            Description = "ConnectionStrings:Postgres of the Processor: an Npgsql connection string with the database's credentials.",
            SecretStringValue = SecretValue.UnsafePlainText(Fn.Join("", [
                "Host=", Instance.DbInstanceEndpointAddress,
                ";Port=", Instance.DbInstanceEndpointPort,
                ";Database=", DatabaseName,
                ";Username=", credentials.SecretValueFromJson("username").UnsafeUnwrap(),
                ";Password=", credentials.SecretValueFromJson("password").UnsafeUnwrap(),
                ";SSL Mode=Require",
            ])),
        });
    }
}
