using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Constructs;
using Webhook.Storage;
using SdkAttributeType = Amazon.DynamoDBv2.ScalarAttributeType;
using SdkKeyType = Amazon.DynamoDBv2.KeyType;
using SdkProjectionType = Amazon.DynamoDBv2.ProjectionType;

namespace Webhook.Aws.Data;

/// <summary>
/// DynamoDB tables declared from the very definitions the hosts create them with (<see cref="DynamoTable"/>, in
/// Webhook.Storage): the same names, keys, indexes and time to live, so the code and the infrastructure cannot
/// drift. On demand (nothing to size for a burst), point-in-time recovery, kept when the stack goes.
/// </summary>
public sealed class DynamoTables : Construct
{
    public IReadOnlyList<Table> Tables { get; }

    public DynamoTables(Construct scope, string id, IEnumerable<DynamoTable> definitions) : base(scope, id)
    {
        Tables = definitions.Select(d => Declare(this, d)).ToList();
    }

    static Table Declare(Construct scope, DynamoTable definition)
    {
        var request = definition.Definition;
        var table = new Table(scope, request.TableName, new TableProps
        {
            TableName = request.TableName,
            PartitionKey = Key(request, SdkKeyType.HASH, request.KeySchema)!,
            SortKey = Key(request, SdkKeyType.RANGE, request.KeySchema),
            BillingMode = request.BillingMode == Amazon.DynamoDBv2.BillingMode.PAY_PER_REQUEST
                ? BillingMode.PAY_PER_REQUEST
                : throw new NotSupportedException($"{request.TableName}: only on-demand tables are declared here."),
            PointInTimeRecovery = true,
            TimeToLiveAttribute = definition.TimeToLiveAttribute,
            DeletionProtection = true,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        foreach (var index in request.GlobalSecondaryIndexes ?? [])
        {
            table.AddGlobalSecondaryIndex(new GlobalSecondaryIndexProps
            {
                IndexName = index.IndexName,
                PartitionKey = Key(request, SdkKeyType.HASH, index.KeySchema)!,
                SortKey = Key(request, SdkKeyType.RANGE, index.KeySchema),
                ProjectionType = Projection(index.Projection.ProjectionType),
                NonKeyAttributes = index.Projection.NonKeyAttributes is { Count: > 0 } attributes ? [.. attributes] : null,
            });
        }
        return table;
    }

    static Amazon.CDK.AWS.DynamoDB.Attribute? Key(Amazon.DynamoDBv2.Model.CreateTableRequest request, SdkKeyType keyType,
        List<Amazon.DynamoDBv2.Model.KeySchemaElement> schema)
    {
        var element = schema.SingleOrDefault(k => k.KeyType == keyType);
        if (element is null)
            return null;
        var attribute = request.AttributeDefinitions.Single(a => a.AttributeName == element.AttributeName);
        return new Amazon.CDK.AWS.DynamoDB.Attribute { Name = attribute.AttributeName, Type = AttributeTypeOf(attribute.AttributeType) };
    }

    static AttributeType AttributeTypeOf(SdkAttributeType type) =>
        type == SdkAttributeType.S ? AttributeType.STRING
        : type == SdkAttributeType.N ? AttributeType.NUMBER
        : type == SdkAttributeType.B ? AttributeType.BINARY
        : throw new NotSupportedException($"DynamoDB attribute type {type} has no CDK equivalent here.");

    static ProjectionType Projection(SdkProjectionType type) =>
        type == SdkProjectionType.ALL ? ProjectionType.ALL
        : type == SdkProjectionType.KEYS_ONLY ? ProjectionType.KEYS_ONLY
        : type == SdkProjectionType.INCLUDE ? ProjectionType.INCLUDE
        : throw new NotSupportedException($"DynamoDB projection {type} has no CDK equivalent here.");
}
