using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Webhook.Aws.Operations;
using Webhook.Aws.Tests.Fixtures;
using Webhook.ServiceDefaults;
using YamlDotNet.RepresentationModel;
using static Webhook.Aws.Tests.Fixtures.TemplateMatch;

namespace Webhook.Aws.Tests.Stacks;

/// <summary>What the services stack declares: the hosts on Fargate, the load balancer, scaling, roles, logs, telemetry, alarms.</summary>
[Collection(SharedSynthesis.Name)]
public class ServicesStackTests(SynthesizedApp app)
{
    static readonly string[] Hosts = ["api", "processor", "console"];

    [Fact]
    public void Should_put_the_api_behind_an_internet_facing_load_balancer_with_https_from_the_certificate_parameter()
    {
        app.Services.HasParameter("CertificateArn", Props(("Type", "String")));
        app.Services.HasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", Props(("Scheme", "internet-facing")));
        app.Services.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Props(
            ("Port", 443),
            ("Protocol", "HTTPS"),
            ("Certificates", Match.ArrayWith([Match.ObjectLike(Props(("CertificateArn", Props(("Ref", "CertificateArn")))))]))));
        app.Services.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Props(
            ("Port", 80),
            ("DefaultActions", Match.ArrayWith([Match.ObjectLike(Props(("Type", "redirect")))]))));
        app.Services.HasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", Props(
            ("HealthCheckPath", ServiceDefaultsExtensions.ReadinessPath),
            ("Port", Services.HostService.ContainerPort)));
    }

    [Fact]
    public void Should_put_the_console_behind_an_internal_load_balancer_open_to_its_clients_only_with_https()
    {
        var balancers = app.ServicesJson.Resources("AWS::ElasticLoadBalancingV2::LoadBalancer").ToList();
        Assert.Equal(["internal", "internet-facing"], balancers.Select(b => (string)b.Properties["Scheme"]!).Order());
        var console = Assert.Single(balancers, b => (string?)b.Properties["Scheme"] == "internal");
        // Long enough for a replay through the JSON API, which answers only when it is done.
        Assert.Contains(console.Properties["LoadBalancerAttributes"]!.AsArray(), a =>
            (string?)a!["Key"] == "idle_timeout.timeout_seconds" && (string?)a["Value"] == $"{Webhook.Aws.Stacks.ServicesStack.ConsoleIdleTimeoutSeconds}");

        // Its listener takes the console's own certificate parameter.
        app.Services.HasParameter("ConsoleCertificateArn", Props(("Type", "String")));
        var listener = Assert.Single(app.ServicesJson.Resources("AWS::ElasticLoadBalancingV2::Listener"), l =>
            (string?)l.Properties["LoadBalancerArn"]!["Ref"] == console.Id && (int?)l.Properties["Port"] == 443).Properties;
        Assert.Equal("HTTPS", (string?)listener["Protocol"]);
        Assert.Equal("«Ref ConsoleCertificateArn»", CloudFormationTemplate.Render(listener["Certificates"]![0]!["CertificateArn"]));

        // Reached from the VPC (the default clients) on 443 and 80 only, never from anywhere.
        var group = (string)console.Properties["SecurityGroups"]![0]!["Fn::GetAtt"]![0]!;
        var (_, securityGroup) = Assert.Single(app.ServicesJson.Resources("AWS::EC2::SecurityGroup"), g => g.Id == group);
        var ingress = securityGroup["SecurityGroupIngress"]!.AsArray();
        Assert.Equal([80, 443], ingress.Select(r => (int)r!["FromPort"]!).Order());
        Assert.All(ingress, r =>
        {
            // The data stack's VPC range, imported.
            Assert.Matches("^«Fn::ImportValue .*Vpc.*CidrBlock.*»$", CloudFormationTemplate.Render(r!["CidrIp"]));
            Assert.DoesNotContain("0.0.0.0/0", r.ToJsonString(), StringComparison.Ordinal);
        });
        app.Services.HasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", Props(
            ("HealthCheckPath", ServiceDefaultsExtensions.ReadinessPath),
            ("TargetType", "ip"),
            ("Port", Services.HostService.ContainerPort)));
    }

    [Fact]
    public void Should_scale_the_api_on_cpu_and_on_requests_per_target_from_two_tasks()
    {
        app.Services.HasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Props(
            ("MinCapacity", 2), ("MaxCapacity", app.Settings.ApiMaxTasks), ("ScalableDimension", "ecs:service:DesiredCount")));
        foreach (var metric in new[] { "ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget" })
        {
            app.Services.HasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", Props(
                ("PolicyType", "TargetTrackingScaling"),
                ("TargetTrackingScalingPolicyConfiguration", Match.ObjectLike(Props(
                    ("PredefinedMetricSpecification", Match.ObjectLike(Props(("PredefinedMetricType", metric)))))))));
        }
    }

    [Fact]
    public void Should_run_two_api_tasks_two_processor_tasks_and_one_console_task_on_fargate_in_the_private_subnets()
    {
        var services = app.ServicesJson.Resources("AWS::ECS::Service").ToList();
        Assert.Equal(3, services.Count);
        Assert.Equal([1, 2, 2], services.Select(s => (int)s.Properties["DesiredCount"]!).Order());
        // The console's single task is fixed: nothing scales it to a second one (ServicesStack.ConsoleTasks).
        Assert.Single(app.ServicesJson.Resources("AWS::ApplicationAutoScaling::ScalableTarget"));
        Assert.All(services, s =>
        {
            Assert.Equal("FARGATE", (string?)s.Properties["LaunchType"]);
            Assert.Equal("DISABLED", (string?)s.Properties["NetworkConfiguration"]!["AwsvpcConfiguration"]!["AssignPublicIp"]);
            Assert.True((bool?)s.Properties["DeploymentConfiguration"]!["DeploymentCircuitBreaker"]!["Rollback"]);
        });
    }

    [Fact]
    public void Should_give_secrets_to_the_hosts_as_ecs_secrets_read_by_their_execution_roles_only()
    {
        foreach (var host in Hosts)
        {
            var container = app.ServicesJson.Container(host);
            Assert.NotEmpty(container.SecretSources);
            // Each secret comes from Secrets Manager by reference; none is an environment variable.
            Assert.All(container.SecretSources.Values, from => Assert.IsType<JsonObject>(from));
            Assert.Empty(container.Variables.Keys.Intersect(container.SecretSources.Keys));

            var role = (string)container.TaskDefinition["ExecutionRoleArn"]!["Fn::GetAtt"]![0]!;
            var reads = Statements(role).Where(s => Actions(s).Contains("secretsmanager:GetSecretValue")).ToList();
            var readable = reads.SelectMany(s => Resources(s)).Select(CloudFormationTemplate.Render).Order().ToList();
            var given = container.SecretSources.Values.Select(SecretOf).Distinct().Order().ToList();
            Assert.Equal(given, readable);
        }
    }

    [Fact]
    public void Should_let_each_task_role_touch_only_its_own_tables_with_the_actions_it_uses()
    {
        var api = DynamoStatements(app.ServicesJson.Container("api"));
        var processor = DynamoStatements(app.ServicesJson.Container("processor"));
        var console = DynamoStatements(app.ServicesJson.Container("console"));

        // Logical ids carry the table's name without its dashes.
        var tokenTables = app.DataStack.Tokens.Tables.Select(t => t.Node.Id.Replace("-", "", StringComparison.Ordinal)).ToList();
        var statsTables = app.DataStack.Statistics.Tables.Select(t => t.Node.Id.Replace("-", "", StringComparison.Ordinal)).ToList();
        Assert.Equal(["dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:UpdateItem"], api.Actions);
        Assert.Equal(["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], processor.Actions);
        // The console reads: its statistics reader's GetItem and Query (on the tables and their indexes), its readiness check's DescribeTable.
        Assert.Equal(["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query"], console.Actions);
        Assert.Equal(processor.Resources.Order(), console.Resources.Order());
        Assert.Contains(console.Resources, r => r.EndsWith("/index/*", StringComparison.Ordinal));
        Assert.All(api.Resources, r => Assert.Contains(tokenTables, t => r.Contains(t, StringComparison.Ordinal)));
        Assert.All(processor.Resources, r => Assert.Contains(statsTables, t => r.Contains(t, StringComparison.Ordinal)));
        Assert.All(tokenTables, t => Assert.Contains(api.Resources, r => r.Contains(t, StringComparison.Ordinal)));
        Assert.All(statsTables, t => Assert.Contains(processor.Resources, r => r.Contains(t, StringComparison.Ordinal)));
        Assert.DoesNotContain(app.Templates.SelectMany(t => t.Resources("AWS::IAM::Policy")), p =>
            CloudFormationTemplate.Render(p.Properties["PolicyDocument"]).Contains("«Action dynamodb:*»", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_keep_every_log_group_for_a_limited_time()
    {
        var groups = app.ServicesJson.Resources("AWS::Logs::LogGroup").ToList();
        Assert.NotEmpty(groups);
        Assert.All(groups, g => Assert.True((int?)g.Properties["RetentionInDays"] > 0, $"{g.Id} keeps its logs for ever"));
        Assert.All(app.ServicesJson.Containers(), c =>
            Assert.Equal("awslogs", (string?)c.Definition["LogConfiguration"]!["LogDriver"]));
    }

    [Fact]
    public void Should_run_an_opentelemetry_collector_beside_each_host_receiving_its_otlp()
    {
        foreach (var host in Hosts)
        {
            var collector = app.ServicesJson.Beside(app.ServicesJson.Container(host), "otel-collector");
            Assert.Matches(@"aws-otel-collector:v\d+\.\d+\.\d+$", (string)collector.Definition["Image"]!);
            var endpoint = new Uri((string)app.ServicesJson.Container(host).Variables[HostKeys.OtlpEndpoint]!);
            var receiver = CollectorConfiguration(collector)["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"].ToString();
            Assert.Equal($"{endpoint.Host}:{endpoint.Port}", receiver);
        }
    }

    [Fact]
    public void Should_alarm_on_load_balancer_5xx_and_on_events_waiting_too_long_as_the_collector_exports_it()
    {
        var alarms = app.ServicesJson.Resources("AWS::CloudWatch::Alarm").ToList();
        Assert.Contains(alarms, a => a.Properties["Metrics"]!.ToJsonString().Contains("HTTPCode_Target_5XX_Count", StringComparison.Ordinal)
            && a.Properties["Metrics"]!.ToJsonString().Contains("HTTPCode_ELB_5XX_Count", StringComparison.Ordinal));

        var age = Assert.Single(alarms, a => (string?)a.Properties["Namespace"] == TelemetryCollector.MetricNamespace).Properties;
        var metric = (string)age["MetricName"]!;
        var processor = app.ServicesJson.Container("processor");
        Assert.Equal((string)processor.Variables[HostKeys.ServiceName]!, (string)age["Dimensions"]![0]!["Value"]!);
        // The metric exists only if the collector turns it into one.
        var collector = app.ServicesJson.Beside(processor, "otel-collector");
        var declarations = (YamlSequenceNode)CollectorConfiguration(collector)["exporters"]["awsemf"]["metric_declarations"];
        var selectors = declarations.Children.SelectMany(d => ((YamlSequenceNode)d["metric_name_selectors"]).Children.Select(s => s.ToString()));
        Assert.Contains(selectors, s => System.Text.RegularExpressions.Regex.IsMatch(metric, s));
    }

    [Fact]
    public void Should_alarm_when_the_console_has_no_healthy_task()
    {
        app.Services.HasResourceProperties("AWS::CloudWatch::Alarm", Props(
            ("Namespace", "AWS/ApplicationELB"),
            ("MetricName", "HealthyHostCount"),
            ("ComparisonOperator", "LessThanThreshold"),
            ("Threshold", 1),
            ("TreatMissingData", "breaching")));
    }

    static YamlNode CollectorConfiguration(TaskContainer collector)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(CloudFormationTemplate.Render(collector.Variables["AOT_CONFIG_CONTENT"])));
        return yaml.Documents[0].RootNode;
    }

    IEnumerable<JsonObject> Statements(string roleId) =>
        app.ServicesJson.Resources("AWS::IAM::Policy")
            .Where(p => p.Properties["Roles"]!.AsArray().Any(r => (string?)r!["Ref"] == roleId))
            .SelectMany(p => p.Properties["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!.AsObject()));

    static IEnumerable<string> Actions(JsonObject statement) =>
        statement["Action"] is JsonArray many ? many.Select(a => (string)a!) : [(string)statement["Action"]!];

    static IEnumerable<JsonNode?> Resources(JsonObject statement) =>
        statement["Resource"] is JsonArray many ? many : new[] { statement["Resource"] };

    /// <summary>The secret an ECS secret's ValueFrom names, without the JSON field it may select.</summary>
    static string SecretOf(JsonNode? valueFrom)
    {
        var rendered = CloudFormationTemplate.Render(valueFrom);
        var end = rendered.IndexOf('»', StringComparison.Ordinal);
        return end < 0 ? rendered : rendered[..(end + 1)];
    }

    (List<string> Actions, List<string> Resources) DynamoStatements(TaskContainer container)
    {
        var role = (string)container.TaskDefinition["TaskRoleArn"]!["Fn::GetAtt"]![0]!;
        var statements = Statements(role).Where(s => Actions(s).Any(a => a.StartsWith("dynamodb:", StringComparison.Ordinal))).ToList();
        var actions = statements.SelectMany(Actions).Distinct().Order(StringComparer.Ordinal).ToList();
        // A table without indexes is granted its index ARNs as AWS::NoValue, which CloudFormation drops.
        var resources = statements.SelectMany(Resources).Select(CloudFormationTemplate.Render).Where(r => r != "«Ref AWS::NoValue»").Distinct().ToList();
        return (actions, resources);
    }
}
