using Amazon.DynamoDBv2;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Webhook.Storage;

namespace Webhook.Processor.Stats;

/// <summary>Ready when the statistics table answers.</summary>
public sealed class StatsHealthCheck(IAmazonDynamoDB dynamo, StatsTables tables) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var table = await dynamo.DescribeTableAsync(tables.Counters, cancellationToken);
            return HealthCheckResult.Healthy($"{tables.Counters} is {table.Table.TableStatus}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{tables.Counters} does not answer", ex);
        }
    }
}
