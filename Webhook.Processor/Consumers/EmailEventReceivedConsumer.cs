using MassTransit;
using Webhook.Contracts;
using Webhook.Processor.Data;
using Webhook.Processor.Stats;
using Webhook.Slots;

namespace Webhook.Processor.Consumers;

/// <summary>
/// Counts the event in the statistics and applies it to the marketing data, both at once, each under the bound of its
/// own store: the writer's one statement takes a PostgreSQL slot inside itself (<see cref="StatementSlots"/>), and the
/// DynamoDB write holds a statistics slot (<see cref="IDatabaseSlots"/>) for as long as it runs, so neither store sees
/// more than the limit at once and neither store's work holds the other's slot. Each store is idempotent on the event
/// id by itself, so a failure of either, or a crash, and the redelivery after it, counts and applies the event once
/// whichever store finished first. Retries, concurrency and the queue are configured in
/// <see cref="EmailEventReceivedConsumerDefinition"/>.
/// </summary>
public sealed partial class EmailEventReceivedConsumer(
    IEmailStatistics statistics,
    IMarketingDataWriter marketingData,
    IDatabaseSlots statisticsSlots,
    StoreGates gates,
    ProcessingMetrics metrics,
    ILogger<EmailEventReceivedConsumer> logger) : IConsumer<EmailEventReceived>
{
    public async Task Consume(ConsumeContext<EmailEventReceived> context)
    {
        var message = context.Message;
        using var inFlight = metrics.StartProcessing();

        var counting = CountAsync(message, context.CancellationToken);
        var applying = ApplyAsync(message, context.ReceiveContext.Redelivered, context.CancellationToken);
        await Task.WhenAll(counting, applying);
        var counted = await counting;
        var outcome = await applying;

        if (outcome == ApplyOutcome.UnknownEmail)
            LogUnknownEmail(logger, message.EventId, message.EmailId, message.EventType);
        metrics.Processed(message.EventType, outcome, counted);
    }

    async Task<bool> CountAsync(EmailEventReceived message, CancellationToken cancellationToken)
    {
        using var gate = await gates.StatisticsAsync(cancellationToken);
        await using var slot = await statisticsSlots.TakeAsync(cancellationToken);
        return await statistics.RecordAsync(message, slot.Number, cancellationToken);
    }

    async Task<ApplyOutcome> ApplyAsync(EmailEventReceived message, bool redelivered, CancellationToken cancellationToken)
    {
        using var gate = await gates.PostgresAsync(cancellationToken);
        return await marketingData.ApplyAsync(message, redelivered, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {EventId} ({EventType}) is for email {EmailId}, which the database does not know; counted in the statistics, no customer data changed")]
    static partial void LogUnknownEmail(ILogger logger, Guid eventId, string emailId, string eventType);
}
