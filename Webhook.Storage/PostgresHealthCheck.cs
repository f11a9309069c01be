using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Webhook.Storage;

/// <summary>Ready when PostgreSQL answers a statement, through the host's own pool.</summary>
public sealed class PostgresHealthCheck(NpgsqlDataSource postgres) : IHealthCheck
{
    /// <summary>What the check runs: no event's work (a probe of the database's load leaves it out).</summary>
    public const string Statement = "SELECT 1";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = postgres.CreateCommand(Statement);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL answers");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer", ex);
        }
    }
}
