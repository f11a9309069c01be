using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using Microsoft.Extensions.Options;
using Webhook.Processor.Options;

namespace Webhook.Processor.Data;

/// <summary>
/// Before the bus starts consuming: applies pending migrations and seeds the sample data when asked. Waits for
/// PostgreSQL to come up (it may start after the Processor), then gives up.
/// </summary>
public sealed partial class DatabaseInitializer(
    IServiceScopeFactory scopes,
    IOptions<ProcessorOptions> processor,
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
            catch (Exception ex) when (DateTime.UtcNow < deadline && PostgresFailures.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
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
        await EnsureHistoryTableAsync(db, ct);
        await db.Database.MigrateAsync(ct);
        if (processor.Value.SeedSampleData)
            await SampleData.SeedAsync(db, ct);
    }

    /// <summary>
    /// Creates EF Core's migrations history table when it is missing. MigrateAsync would read it first anyway, and on a
    /// new database that read fails and is logged as an error although nothing is wrong.
    /// </summary>
    static async Task EnsureHistoryTableAsync(WebhookDbContext db, CancellationToken ct)
    {
        try
        {
            await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), ct);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Another replica created it at the same moment.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL not ready yet (attempt {Attempt}); waiting")]
    static partial void LogWaiting(ILogger logger, Exception exception, int attempt);
}
