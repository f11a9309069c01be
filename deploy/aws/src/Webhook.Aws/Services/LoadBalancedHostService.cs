using Amazon.CDK;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Constructs;
using ElbHealthCheck = Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck;

namespace Webhook.Aws.Services;

/// <summary>How a load-balanced host is reached and scaled.</summary>
public sealed record LoadBalancing
{
    /// <summary>Internet-facing (the providers' intake) or internal to the VPC (the people's console).</summary>
    public required bool InternetFacing { get; init; }

    /// <summary>The certificate of the HTTPS listener.</summary>
    public required string CertificateArn { get; init; }

    /// <summary>
    /// Who may connect to an internal load balancer (an internet-facing one is open to all): the networks its people
    /// come from, e.g. the VPC's own range for a client VPN that translates to it, or an office's range over Direct Connect.
    /// </summary>
    public IReadOnlyList<IPeer> Clients { get; init; } = [];

    public required int MinTasks { get; init; }

    /// <summary>The most tasks scaling may run; equal to <see cref="MinTasks"/>, a fixed count and no scaling.</summary>
    public required int MaxTasks { get; init; }

    /// <summary>Target of the CPU scaling policy, in percent of the tasks' CPU.</summary>
    public int CpuTargetPercent { get; init; } = 60;

    /// <summary>Target of the request-count scaling policy: requests per task per minute.</summary>
    public int RequestsPerTaskPerMinute { get; init; } = 12_000;

    /// <summary>
    /// How long a connection may send nothing before the load balancer closes it: longer than the longest request that
    /// answers only at its end.
    /// </summary>
    public int IdleTimeoutSeconds { get; init; } = 60;

    /// <summary>How long a task leaving the target group keeps its connections: longer than any request takes.</summary>
    public int DeregistrationDelaySeconds { get; init; } = 30;
}

/// <summary>
/// A host behind an Application Load Balancer: HTTPS on 443 with the given certificate (HTTP on 80 only redirects),
/// the target group probing /health/ready (a task that lost its broker stops getting requests; /health/live keeps it
/// alive), scaling on CPU and on requests per target between the bounds given. The API uses it internet-facing; the
/// console internal (<see cref="LoadBalancing.InternetFacing"/> false), reached only from <see cref="LoadBalancing.Clients"/>.
/// </summary>
public sealed class LoadBalancedHostService : Construct
{
    public HostService Host { get; }
    public ApplicationLoadBalancer LoadBalancer { get; }
    public ApplicationTargetGroup TargetGroup { get; }

    public LoadBalancedHostService(Construct scope, string id, ICluster cluster, HostDefinition host, LoadBalancing balancing,
        WebhookSettings settings) : base(scope, id)
    {
        Host = new HostService(this, id, cluster, host with { DesiredCount = balancing.MinTasks }, settings);

        LoadBalancer = new ApplicationLoadBalancer(this, "LoadBalancer", new ApplicationLoadBalancerProps
        {
            Vpc = cluster.Vpc,
            InternetFacing = balancing.InternetFacing,
            VpcSubnets = new SubnetSelection { SubnetType = balancing.InternetFacing ? SubnetType.PUBLIC : SubnetType.PRIVATE_WITH_EGRESS },
            DropInvalidHeaderFields = true,
            IdleTimeout = Duration.Seconds(balancing.IdleTimeoutSeconds),
        });

        var https = LoadBalancer.AddListener("Https", new BaseApplicationListenerProps
        {
            Port = 443,
            Protocol = ApplicationProtocol.HTTPS,
            SslPolicy = SslPolicy.RECOMMENDED_TLS,
            Certificates = [ListenerCertificate.FromArn(balancing.CertificateArn)],
            Open = balancing.InternetFacing,
        });
        LoadBalancer.AddRedirect(new ApplicationLoadBalancerRedirectConfig { SourcePort = 80, TargetPort = 443, Open = balancing.InternetFacing });
        if (!balancing.InternetFacing)
        {
            foreach (var client in balancing.Clients)
            {
                LoadBalancer.Connections.AllowFrom(client, Port.Tcp(443), "HTTPS from the clients");
                LoadBalancer.Connections.AllowFrom(client, Port.Tcp(80), "HTTP from the clients, redirected to HTTPS");
            }
        }

        TargetGroup = https.AddTargets("Host", new AddApplicationTargetsProps
        {
            Port = HostService.ContainerPort,
            Protocol = ApplicationProtocol.HTTP,
            Targets = [Host.Service],
            DeregistrationDelay = Duration.Seconds(balancing.DeregistrationDelaySeconds),
            HealthCheck = new ElbHealthCheck
            {
                Path = Webhook.ServiceDefaults.ServiceDefaultsExtensions.ReadinessPath,
                HealthyHttpCodes = "200",
                Interval = Duration.Seconds(10),
                Timeout = Duration.Seconds(5),
                HealthyThresholdCount = 2,
                UnhealthyThresholdCount = 3,
            },
        });

        if (balancing.MaxTasks <= balancing.MinTasks)
            return;
        var scaling = Host.Service.AutoScaleTaskCount(new Amazon.CDK.AWS.ApplicationAutoScaling.EnableScalingProps
        {
            MinCapacity = balancing.MinTasks,
            MaxCapacity = balancing.MaxTasks,
        });
        scaling.ScaleOnCpuUtilization("Cpu", new CpuUtilizationScalingProps
        {
            TargetUtilizationPercent = balancing.CpuTargetPercent,
            ScaleInCooldown = Duration.Minutes(5),
            ScaleOutCooldown = Duration.Minutes(1),
        });
        scaling.ScaleOnRequestCount("Requests", new RequestCountScalingProps
        {
            RequestsPerTarget = balancing.RequestsPerTaskPerMinute,
            TargetGroup = TargetGroup,
            ScaleInCooldown = Duration.Minutes(5),
            ScaleOutCooldown = Duration.Minutes(1),
        });
    }
}
