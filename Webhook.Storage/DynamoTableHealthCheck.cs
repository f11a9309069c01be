using Amazon.DynamoDBv2;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Webhook.Storage;

/// <summary>Ready when a table the host needs answers.</summary>
public sealed class DynamoTableHealthCheck(IAmazonDynamoDB dynamo, string table) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var described = await dynamo.DescribeTableAsync(table, cancellationToken);
            return HealthCheckResult.Healthy($"{table} is {described.Table.TableStatus}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{table} does not answer", ex);
        }
    }
}
