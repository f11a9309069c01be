using Webhook.Processor.Data;
using Webhook.Storage;

namespace Webhook.Processor.Consumers;

/// <summary>
/// Which failures of an event are worth retrying: a store that is down, slow, throttling or racing. Everything else (a
/// bug, bad data, a constraint the event can never satisfy) is permanent and goes to the error queue without retrying.
/// </summary>
public static class TransientFailures
{
    public static bool IsTransient(Exception exception) =>
        exception is TaskCanceledException or OperationCanceledException or TimeoutException
        || PostgresFailures.IsTransient(exception)
        || DynamoFailures.IsTransient(exception);
}
