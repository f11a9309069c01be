namespace Webhook.Messaging.DeadLetters;

/// <summary>
/// The queue where the Processor's failed events wait for an operator: read it, send events back to be processed
/// again, or drop them. Transport-specific by nature (RabbitMQ's error queue here; an SQS dead-letter queue with its
/// redrive would implement the same). Every operation keeps a message in the queue until its outcome is certain:
/// an event is removed only after the main queue has confirmed its copy, so a crash at any point leaves it in the
/// dead-letter queue, at worst also replayed (which the Processor's idempotence absorbs).
/// </summary>
public interface IDeadLetters
{
    /// <summary>Reads <paramref name="limit"/> dead letters from position <paramref name="offset"/>, leaving them in place.</summary>
    Task<DeadLetterPage> ListAsync(int offset, int limit, CancellationToken cancellationToken);

    /// <summary>The first dead letter of the event, left in place; null when there is none.</summary>
    Task<DeadLetter?> FindAsync(Guid eventId, CancellationToken cancellationToken);

    /// <summary>
    /// Sends the selected dead letters back to the main queue, at most <paramref name="eventsPerSecond"/>, each with
    /// its history (replays, attempts, first failure) so that one failing again comes back with it. What it has done so
    /// far goes to <paramref name="progress"/> after each dead letter examined.
    /// </summary>
    Task<ReplayResult> ReplayAsync(DeadLetterSelection selection, double eventsPerSecond, IProgress<ReplayResult>? progress, CancellationToken cancellationToken);

    /// <summary>Deletes the selected dead letters for good.</summary>
    Task<PurgeResult> PurgeAsync(DeadLetterSelection selection, CancellationToken cancellationToken);
}
