using Microsoft.Extensions.Options;
using Npgsql;
using Webhook.Processor.Options;

namespace Webhook.Processor.Data;

/// <summary>
/// Deletes inbox rows older than Processor:InboxRetention, every Processor:InboxCleanupInterval, in batches of
/// <see cref="BatchSize"/> (each a short transaction that never locks the table for long); rows kept for good
/// (<see cref="InboxMessage.Retained"/>: events that failed once and may come back from a replay) are never deleted.
/// </summary>
public sealed partial class InboxCleanupService(
    NpgsqlDataSource dataSource,
    IOptions<ProcessorOptions> options,
    TimeProvider time,
    ILogger<InboxCleanupService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.InboxCleanupInterval, time);
        do
        {
            try
            {
                var deleted = await DeleteExpiredAsync(stoppingToken);
                if (deleted > 0)
                    LogDeleted(logger, deleted);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public const int BatchSize = 1000;

    public async Task<int> DeleteExpiredAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            DELETE FROM inbox_messages WHERE event_id IN (
                SELECT event_id FROM inbox_messages WHERE processed_at < $1 AND NOT retained
                ORDER BY processed_at LIMIT $2)
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() - options.Value.InboxRetention });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = BatchSize });
        var deleted = 0;
        while (true)
        {
            var batch = await command.ExecuteNonQueryAsync(ct);
            deleted += batch;
            if (batch < BatchSize)
                return deleted;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} inbox rows past their retention")]
    static partial void LogDeleted(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox clean-up failed; trying again at the next interval")]
    static partial void LogFailed(ILogger logger, Exception exception);
}
