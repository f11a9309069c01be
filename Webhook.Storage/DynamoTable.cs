using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Webhook.Storage;

/// <summary>
/// One table of the product in DynamoDB: what creates it, and the attribute DynamoDB's time to live expires items by,
/// if any. Every table is defined once, in this library, for the hosts that create them and the infrastructure code.
/// </summary>
public sealed record DynamoTable(CreateTableRequest Definition, string? TimeToLiveAttribute = null)
{
    public string Name => Definition.TableName;

    /// <summary>
    /// Creates the tables that do not exist, adds the global secondary indexes an existing table lacks (a table made by
    /// an earlier version), waits until they are active, and turns their time to live on.
    /// </summary>
    public static async Task EnsureCreatedAsync(IAmazonDynamoDB dynamo, IEnumerable<DynamoTable> tables, CancellationToken ct)
    {
        foreach (var table in tables)
        {
            try
            {
                await dynamo.CreateTableAsync(table.Definition, ct);
            }
            catch (ResourceInUseException)
            {
                // Exists already (or another replica is creating it).
            }

            var described = await WaitUntilActiveAsync(dynamo, table.Name, ct);
            // One index at a time: DynamoDB builds each before it takes the next.
            foreach (var index in table.Definition.GlobalSecondaryIndexes ?? [])
            {
                if (described.GlobalSecondaryIndexes?.Any(i => i.IndexName == index.IndexName) == true)
                    continue;
                var keys = index.KeySchema.Select(k => k.AttributeName).ToHashSet();
                await dynamo.UpdateTableAsync(new UpdateTableRequest
                {
                    TableName = table.Name,
                    AttributeDefinitions = table.Definition.AttributeDefinitions.Where(a => keys.Contains(a.AttributeName)
                        || table.Definition.KeySchema.Any(k => k.AttributeName == a.AttributeName)).ToList(),
                    GlobalSecondaryIndexUpdates =
                    [
                        new GlobalSecondaryIndexUpdate
                        {
                            Create = new CreateGlobalSecondaryIndexAction { IndexName = index.IndexName, KeySchema = index.KeySchema, Projection = index.Projection },
                        },
                    ],
                }, ct);
                described = await WaitUntilActiveAsync(dynamo, table.Name, ct);
            }

            if (table.TimeToLiveAttribute is { } attribute)
            {
                var ttl = await dynamo.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = table.Name }, ct);
                if (ttl.TimeToLiveDescription?.TimeToLiveStatus != TimeToLiveStatus.ENABLED)
                {
                    await dynamo.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
                    {
                        TableName = table.Name,
                        TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = attribute, Enabled = true },
                    }, ct);
                }
            }
        }
    }

    static async Task<TableDescription> WaitUntilActiveAsync(IAmazonDynamoDB dynamo, string name, CancellationToken ct)
    {
        while (true)
        {
            var table = (await dynamo.DescribeTableAsync(name, ct)).Table;
            if (table.TableStatus == TableStatus.ACTIVE && (table.GlobalSecondaryIndexes ?? []).All(i => i.IndexStatus == IndexStatus.ACTIVE))
                return table;
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
    }
}
