using MassTransit;
using Webhook.Contracts;
using Webhook.Processor.Data;
using Webhook.Processor.Stats;
using Webhook.Slots;

namespace Webhook.Processor.Consumers;

/// <summary>
/// Counts the event in the statistics and applies it to the marketing data, both at once. Each store is idempotent on
/// the event id by itself, so a failure of either, or a crash, and the redelivery after it, counts and applies the
/// event once whichever store finished first. Retries, concurrency and the queue are configured in
/// <see cref="EmailEventReceivedConsumerDefinition"/>; the bound on the databases is held by <see cref="DatabaseSlots"/>.
/// </summary>
public sealed partial class EmailEventReceivedConsumer(
    IEmailStatistics statistics,
    IMarketingDataWriter marketingData,
    IDatabaseSlots slots,
    ProcessingMetrics metrics,
    ILogger<EmailEventReceivedConsumer> logger) : IConsumer<EmailEventReceived>
{
    public async Task Consume(ConsumeContext<EmailEventReceived> context)
    {
        var message = context.Message;
        // Nothing touches a store before the event holds one of the database's slots, and both stores are done when it
        // lets go: the concurrency limit as PostgreSQL (and DynamoDB) sees it, whatever the broker does.
        await using var slot = await slots.TakeAsync(context.CancellationToken);
        using var inFlight = metrics.StartProcessing();

        // The stores do not depend on each other, so the event holds its concurrency slot for the slower of the two
        // rather than for both one after the other: with a slow database, DynamoDB's round trips cost no throughput.
        var counting = statistics.RecordAsync(message, context.CancellationToken);
        var applying = marketingData.ApplyAsync(message, context.ReceiveContext.Redelivered, context.CancellationToken);
        await Task.WhenAll(counting, applying);
        var counted = await counting;
        var outcome = await applying;

        if (outcome == ApplyOutcome.UnknownEmail)
            LogUnknownEmail(logger, message.EventId, message.EmailId, message.EventType);
        metrics.Processed(message.EventType, outcome, counted);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {EventId} ({EventType}) is for email {EmailId}, which the database does not know; counted in the statistics, no customer data changed")]
    static partial void LogUnknownEmail(ILogger logger, Guid eventId, string emailId, string eventType);
}
