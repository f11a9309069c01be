using Amazon.DynamoDBv2;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Webhook.Processor.Options;
using Webhook.Processor.Stats;

namespace Webhook.Processor.Data;

/// <summary>
/// Before the bus starts consuming: applies pending migrations, creates missing statistics tables, and seeds the
/// sample data when asked. Waits for the stores to come up (they may start after the Processor), then gives up.
/// </summary>
public sealed partial class DatabaseInitializer(
    IServiceScopeFactory scopes,
    IOptions<ProcessorOptions> processor,
    IOptions<StatsOptions> stats,
    ILogger<DatabaseInitializer> logger) : IHostedService
{
    static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(2);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + GiveUpAfter;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await InitializeAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (DateTime.UtcNow < deadline && Consumers.TransientFailures.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                LogWaiting(logger, ex, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), cancellationToken);
            }
        }
    }

    async Task InitializeAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WebhookDbContext>();
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () => await db.Database.MigrateAsync(ct));

        if (stats.Value.CreateTables)
        {
            var tables = scope.ServiceProvider.GetRequiredService<StatsTables>();
            await tables.EnsureCreatedAsync(scope.ServiceProvider.GetRequiredService<IAmazonDynamoDB>(), ct);
        }

        if (processor.Value.SeedSampleData)
            await SampleData.SeedAsync(db, ct);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stores not ready yet (attempt {Attempt}); waiting")]
    static partial void LogWaiting(ILogger logger, Exception exception, int attempt);
}
