using Npgsql;
using Webhook.Processor.Stats;

namespace Webhook.Processor.Consumers;

/// <summary>
/// Which failures are the event's own: a store refuses this event's data (DynamoDB's ValidationException, a
/// PostgreSQL data exception or constraint violation). Only those send an event to the dead letters, at once: retrying
/// cannot help. Every other failure (a store down, slow, throttling, a table missing, access denied, a wrong password,
/// a relation that does not exist, a bug) is not the event's fault: the event is retried, without limit, and
/// consumption waits until the cause is fixed, rather than dead-lettering the whole stream behind it.
/// </summary>
public static class EventFailures
{
    public static bool IsTheEventsFault(Exception exception) => exception switch
    {
        StatisticsRejectedException => true,
        // Class 22: data exception (string too long, invalid byte sequence, …); class 23: integrity constraint violation.
        PostgresException { SqlState: var state } => state.StartsWith("22", StringComparison.Ordinal) || state.StartsWith("23", StringComparison.Ordinal),
        InvalidOperationException { InnerException: { } inner } => IsTheEventsFault(inner),
        _ => false,
    };
}
