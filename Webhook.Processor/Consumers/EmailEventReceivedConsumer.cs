using MassTransit;
using Webhook.Contracts;
using Webhook.Processor.Data;
using Webhook.Processor.Stats;

namespace Webhook.Processor.Consumers;

/// <summary>
/// Counts the event in the statistics and applies it to the marketing data. Each store is idempotent on the event
/// id by itself, so a crash between the two, and the redelivery after it, counts and applies the event once.
/// Retries, concurrency and the queue are configured in <see cref="EmailEventReceivedConsumerDefinition"/>.
/// </summary>
public sealed partial class EmailEventReceivedConsumer(
    IEmailStatistics statistics,
    IMarketingDataWriter marketingData,
    ProcessingMetrics metrics,
    ILogger<EmailEventReceivedConsumer> logger) : IConsumer<EmailEventReceived>
{
    public async Task Consume(ConsumeContext<EmailEventReceived> context)
    {
        var message = context.Message;
        using var inFlight = metrics.StartProcessing();

        var counted = await statistics.RecordAsync(message, context.CancellationToken);
        var outcome = await marketingData.ApplyAsync(message, context.CancellationToken);

        if (outcome == ApplyOutcome.UnknownEmail)
            LogUnknownEmail(logger, message.EventId, message.EmailId, message.EventType);
        metrics.Processed(message.EventType, outcome, counted);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {EventId} ({EventType}) is for email {EmailId}, which the database does not know; counted in the statistics, no customer data changed")]
    static partial void LogUnknownEmail(ILogger logger, Guid eventId, string emailId, string eventType);
}
