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

    /// <summary>Creates the tables that do not exist, waits until they are active, and turns their time to live on.</summary>
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

            while ((await dynamo.DescribeTableAsync(table.Name, ct)).Table.TableStatus != TableStatus.ACTIVE)
                await Task.Delay(TimeSpan.FromMilliseconds(200), ct);

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
}
