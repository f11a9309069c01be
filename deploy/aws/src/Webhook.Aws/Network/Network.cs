using Amazon.CDK.AWS.EC2;
using Constructs;

namespace Webhook.Aws.Network;

/// <summary>
/// Two availability zones, three tiers: public subnets for the load balancer (and the NAT gateways), private ones
/// with a way out for the services (image pulls, Secrets Manager, CloudWatch), isolated ones for the broker and the
/// database, which reach nothing and are reached only from the services. DynamoDB is reached through a gateway
/// endpoint (free, and the statistics never cross a NAT gateway).
/// </summary>
public sealed class Network : Construct
{
    public const int AvailabilityZones = 2;

    public Vpc Vpc { get; }

    public Network(Construct scope, string id, int natGateways) : base(scope, id)
    {
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            MaxAzs = AvailabilityZones,
            NatGateways = natGateways,
            RestrictDefaultSecurityGroup = true,
            SubnetConfiguration =
            [
                new SubnetConfiguration { Name = "public", SubnetType = SubnetType.PUBLIC, CidrMask = 24 },
                new SubnetConfiguration { Name = "services", SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 20 },
                new SubnetConfiguration { Name = "data", SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 24 },
            ],
        });
        Vpc.AddGatewayEndpoint("DynamoDb", new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.DYNAMODB });
    }
}
