using Amazon.DynamoDBv2;
using Microsoft.Extensions.Options;
using Webhook.Storage;

namespace Webhook.Processor.Stats;

/// <summary>
/// Before the bus starts consuming: creates the statistics tables that are missing (unless Stats:CreateTables is
/// off). Waits for DynamoDB to answer (DynamoDB Local may start after the Processor), then gives up.
/// </summary>
public sealed partial class StatsTablesInitializer(
    IAmazonDynamoDB dynamo,
    StatsTables tables,
    IOptions<StatsOptions> options,
    ILogger<StatsTablesInitializer> logger) : IHostedService
{
    static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(2);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.CreateTables)
            return;
        var deadline = DateTime.UtcNow + GiveUpAfter;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await tables.EnsureCreatedAsync(dynamo, cancellationToken);
                return;
            }
            catch (Exception ex) when (DateTime.UtcNow < deadline && DynamoFailures.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                LogWaiting(logger, ex, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "DynamoDB not ready yet (attempt {Attempt}); waiting")]
    static partial void LogWaiting(ILogger logger, Exception exception, int attempt);
}
