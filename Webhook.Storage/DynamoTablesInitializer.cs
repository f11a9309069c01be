using Amazon.DynamoDBv2;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Webhook.Storage;

/// <summary>
/// Before a host does its work: creates its DynamoDB tables that are missing (unless Stats:CreateTables is off, where
/// infrastructure code owns them). Waits for DynamoDB to answer (DynamoDB Local may start after the host), then gives up.
/// </summary>
public sealed partial class DynamoTablesInitializer(
    IServiceProvider services,
    Func<IServiceProvider, IEnumerable<DynamoTable>> tables,
    ILogger<DynamoTablesInitializer> logger) : IHostedService
{
    static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(2);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!services.GetRequiredService<IOptions<StatsOptions>>().Value.CreateTables)
            return;
        var dynamo = services.GetRequiredService<IAmazonDynamoDB>();
        var definitions = tables(services).ToList();
        var deadline = DateTime.UtcNow + GiveUpAfter;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DynamoTable.EnsureCreatedAsync(dynamo, definitions, cancellationToken);
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
