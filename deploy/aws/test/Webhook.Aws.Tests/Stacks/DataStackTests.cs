using Amazon.CDK.Assertions;
using Webhook.Aws.Data;
using Webhook.Aws.Tests.Fixtures;
using Webhook.Messaging;
using static Webhook.Aws.Tests.Fixtures.TemplateMatch;

namespace Webhook.Aws.Tests.Stacks;

/// <summary>What the data stack declares: the network, the broker, the database, the alarm topic and its alarms.</summary>
[Collection(SharedSynthesis.Name)]
public class DataStackTests(SynthesizedApp app)
{
    static object DynamicReference => Match.ObjectLike(Props(("Fn::Join", Match.ArrayWith([
        "", Match.ArrayWith([Match.StringLikeRegexp("\\{\\{resolve:secretsmanager:")])]))));

    [Fact]
    public void Should_spread_the_network_over_two_zones_with_public_private_and_isolated_subnets()
    {
        app.Data.ResourceCountIs("AWS::EC2::VPC", 1);
        foreach (var tier in new[] { "Public", "Private", "Isolated" })
        {
            app.Data.ResourcePropertiesCountIs("AWS::EC2::Subnet", Props(("Tags", Match.ArrayWith([
                Match.ObjectLike(Props(("Key", "aws-cdk:subnet-type"), ("Value", tier)))]))), Network.Network.AvailabilityZones);
        }
        app.Data.ResourceCountIs("AWS::EC2::NatGateway", app.Settings.NatGateways);
        app.Data.HasResourceProperties("AWS::EC2::VPCEndpoint", Props(("VpcEndpointType", "Gateway"),
            ("ServiceName", Match.ObjectLike(Props(("Fn::Join", Match.ArrayWith(["", Match.ArrayWith([".dynamodb"])])))))));
    }

    [Fact]
    public void Should_run_the_broker_as_a_private_rabbitmq_cluster_with_quorum_queues_and_a_generated_password()
    {
        app.Data.HasResourceProperties("AWS::AmazonMQ::Broker", Props(
            ("EngineType", "RABBITMQ"),
            ("DeploymentMode", "CLUSTER_MULTI_AZ"),
            ("PubliclyAccessible", false),
            ("Users", Match.ArrayWith([Match.ObjectLike(Props(("Username", Broker.UserName), ("Password", DynamicReference)))]))));

        // Amazon MQ has quorum queues from RabbitMQ 3.13 on.
        var (_, broker) = Assert.Single(app.DataJson.Resources("AWS::AmazonMQ::Broker"));
        var version = Version.Parse((string)broker["EngineVersion"]!);
        Assert.True(version >= new Version(3, 13), $"RabbitMQ {version} on Amazon MQ has no quorum queues");
        Assert.Equal(2, broker["SubnetIds"]!.AsArray().Count);
    }

    [Fact]
    public void Should_keep_postgresql_multi_az_encrypted_backed_up_and_protected_with_generated_credentials()
    {
        app.Data.HasResourceProperties("AWS::RDS::DBInstance", Props(
            ("Engine", "postgres"),
            ("MultiAZ", true),
            ("StorageEncrypted", true),
            ("DeletionProtection", true),
            ("PubliclyAccessible", false),
            ("BackupRetentionPeriod", 7),
            ("MasterUserPassword", DynamicReference)));
        var template = $$"""{"username":"{{Database.UserName}}"}""";
        var generated = Match.ObjectLike(Props(("GenerateStringKey", "password"), ("SecretStringTemplate", template)));
        app.Data.HasResourceProperties("AWS::SecretsManager::Secret", Props(("GenerateSecretString", generated)));
    }

    [Fact]
    public void Should_alarm_on_dead_letters_queue_depth_and_a_queue_without_consumer()
    {
        var queues = new BrokerOptions();
        Alarm(queues.ErrorQueueName, "MessageCount", "GreaterThanThreshold", 0);
        Alarm(queues.QueueName, "MessageReadyCount", "GreaterThanThreshold", QueuePolicy.MaxLength / 2);
        Alarm(queues.QueueName, "ConsumerCount", "LessThanThreshold", 1);

        void Alarm(string queue, string metric, string comparison, double threshold) =>
            app.Data.HasResourceProperties("AWS::CloudWatch::Alarm", Props(
                ("Namespace", "AWS/AmazonMQ"),
                ("MetricName", metric),
                ("ComparisonOperator", comparison),
                ("Threshold", threshold),
                ("Dimensions", Match.ArrayWith([Match.ObjectLike(Props(("Name", "Queue"), ("Value", queue)))])),
                ("AlarmActions", Match.ArrayWith([Match.ObjectLike(Props(("Ref", Match.StringLikeRegexp("^AlarmTopic"))))]))));
    }

    [Fact]
    public void Should_alarm_on_the_database_cpu_and_free_storage()
    {
        foreach (var metric in new[] { "CPUUtilization", "FreeStorageSpace" })
        {
            app.Data.HasResourceProperties("AWS::CloudWatch::Alarm", Props(
                ("Namespace", "AWS/RDS"),
                ("MetricName", metric),
                ("AlarmActions", Match.ArrayWith([Match.ObjectLike(Props(("Ref", Match.StringLikeRegexp("^AlarmTopic"))))]))));
        }
    }

    [Fact]
    public void Should_have_a_topic_that_every_alarm_of_the_app_notifies()
    {
        app.Data.ResourceCountIs("AWS::SNS::Topic", 1);
        var alarms = app.Templates.SelectMany(t => t.Resources("AWS::CloudWatch::Alarm")).ToList();
        Assert.NotEmpty(alarms);
        Assert.All(alarms, a => Assert.Contains("AlarmTopic", CloudFormationTemplate.Render(a.Properties["AlarmActions"]), StringComparison.Ordinal));
    }
}
