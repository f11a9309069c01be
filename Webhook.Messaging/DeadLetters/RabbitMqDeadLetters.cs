using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Webhook.Messaging.DeadLetters;

/// <summary>
/// The dead-letter queue on RabbitMQ: the classic queue <c>{Broker:QueueName}_error</c> where MassTransit moves the
/// Processor's faults and the quorum queue dead-letters what exceeds its delivery limit.
/// <para>
/// RabbitMQ has no browse, so every operation reads with basic.get without acknowledgement, which hides the message
/// from everyone else while the operation holds it. What it takes (replayed or purged) it acknowledges; everything
/// else it gives back when it ends (basic.nack with requeue puts a message back in its place in a classic queue).
/// If the API dies instead, the broker gives the held messages back by itself when the connection drops. An
/// operation reads at most the messages present when it began, so events that fail again during a replay are not
/// replayed again by it.
/// </para>
/// <para>
/// A replay publishes each copy to the main queue (default exchange, mandatory, publisher confirms) and acknowledges
/// the dead letter only once the broker has confirmed the copy: a crash in between leaves the event in both queues,
/// which the Processor's idempotence on the event id makes harmless, and never in neither.
/// </para>
/// </summary>
public sealed partial class RabbitMqDeadLetters(
    OperatorConnection connection,
    IOptions<BrokerOptions> broker,
    TimeProvider time,
    ILogger<RabbitMqDeadLetters> logger) : IDeadLetters
{
    public async Task<DeadLetterPage> ListAsync(int offset, int limit, CancellationToken cancellationToken)
    {
        var items = new List<DeadLetter>();
        await using var scan = await OpenAsync(confirms: false, cancellationToken);
        var position = 0;
        while (items.Count < limit && await scan.NextAsync(cancellationToken) is { } message)
        {
            if (position++ >= offset)
                items.Add(message.Value);
        }
        return new DeadLetterPage(scan.Present, offset, items);
    }

    public async Task<DeadLetter?> FindAsync(Guid eventId, CancellationToken cancellationToken)
    {
        await using var scan = await OpenAsync(confirms: false, cancellationToken);
        while (await scan.NextAsync(cancellationToken) is { } message)
        {
            if (message.Value.EventId == eventId)
                return message.Value;
        }
        return null;
    }

    public async Task<ReplayResult> ReplayAsync(DeadLetterSelection selection, double eventsPerSecond, IProgress<ReplayResult>? progress,
        CancellationToken cancellationToken)
    {
        var replayId = Guid.NewGuid();
        var target = broker.Value.QueueName;
        int examined = 0, replayed = 0;
        LogReplayStarting(logger, replayId, eventsPerSecond, selection);

        await using var scan = await OpenAsync(confirms: true, cancellationToken);
        var pace = new Pace(eventsPerSecond, time);
        try
        {
            while (await scan.NextAsync(cancellationToken) is { } message)
            {
                if (RabbitMqDeadLetterMessage.ReplayIdOf(message.Properties) == replayId)
                    break; // failed again since this replay began: the rest arrived after it too
                examined++;
                if (!selection.Matches(message.Value))
                {
                    progress?.Report(new ReplayResult(examined, replayed));
                    continue;
                }

                await pace.WaitAsync(cancellationToken);
                var copy = RabbitMqDeadLetterMessage.ForReplay(message.Properties, message.Value, replayId, time.GetUtcNow());
                // Confirmed, or it throws and the dead letter stays where it is.
                await scan.Channel.BasicPublishAsync("", target, mandatory: true, copy, message.Body, cancellationToken);
                await scan.RemoveAsync(message);
                replayed++;
                progress?.Report(new ReplayResult(examined, replayed));
                LogReplayed(logger, replayId, message.Value.EventId);
            }
        }
        catch (Exception ex) when (OperatorConnection.IsBrokerFailure(ex))
        {
            var failure = ex is PublishException { IsReturn: true }
                ? $"The main queue '{target}' does not exist, so the broker could not route the event (is the Processor deployed?)."
                : ex is PublishException
                    ? $"The broker refused the event on '{target}' (the queue may be full)."
                    : $"The connection to the broker failed: {ex.Message}";
            LogReplayStopped(logger, ex, replayId, replayed, examined, failure);
            return new ReplayResult(examined, replayed, failure);
        }

        LogReplayFinished(logger, replayId, replayed, examined);
        return new ReplayResult(examined, replayed);
    }

    public async Task<PurgeResult> PurgeAsync(DeadLetterSelection selection, CancellationToken cancellationToken)
    {
        int examined = 0, purged = 0;
        await using var scan = await OpenAsync(confirms: false, cancellationToken);
        while (await scan.NextAsync(cancellationToken) is { } message)
        {
            examined++;
            if (!selection.Matches(message.Value))
                continue;
            await scan.RemoveAsync(message);
            purged++;
            LogPurged(logger, message.Value.EventId, message.Value.EventType, message.Value.EmailId, message.Value.Reason);
        }
        LogPurgeFinished(logger, purged, examined, selection);
        return new PurgeResult(examined, purged);
    }

    Task<QueueScan<DeadLetter>> OpenAsync(bool confirms, CancellationToken cancellationToken)
    {
        return connection.ScanAsync(broker.Value.ErrorQueueName, confirms, (properties, body) => RabbitMqDeadLetterMessage.Read(properties, body), cancellationToken);
    }

    /// <summary>Spaces the replays so that at most the chosen number per second go back to the main queue.</summary>
    sealed class Pace(double eventsPerSecond, TimeProvider time)
    {
        readonly long _start = time.GetTimestamp();
        long _sent;

        public Task WaitAsync(CancellationToken cancellationToken)
        {
            var due = TimeSpan.FromSeconds(_sent++ / eventsPerSecond);
            var wait = due - time.GetElapsedTime(_start);
            return wait > TimeSpan.Zero ? Task.Delay(wait, time, cancellationToken) : Task.CompletedTask;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replay {ReplayId} of dead letters starting at {EventsPerSecond} events/s: {Selection}")]
    static partial void LogReplayStarting(ILogger logger, Guid replayId, double eventsPerSecond, DeadLetterSelection selection);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Replay {ReplayId}: event {EventId} is back on the main queue")]
    static partial void LogReplayed(ILogger logger, Guid replayId, Guid? eventId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replay {ReplayId} finished: {Replayed} of {Examined} dead letters replayed")]
    static partial void LogReplayFinished(ILogger logger, Guid replayId, int replayed, int examined);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay {ReplayId} stopped after {Replayed} of {Examined} dead letters: {Failure} The others are still in the dead-letter queue.")]
    static partial void LogReplayStopped(ILogger logger, Exception exception, Guid replayId, int replayed, int examined, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purged dead letter of event {EventId} ({EventType}, email {EmailId}), which had failed with: {Reason}")]
    static partial void LogPurged(ILogger logger, Guid? eventId, string? eventType, string? emailId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purged {Purged} of {Examined} dead letters: {Selection}")]
    static partial void LogPurgeFinished(ILogger logger, int purged, int examined, DeadLetterSelection selection);
}
