using MassTransit;
using Microsoft.Extensions.Options;
using Webhook.Contracts;
using Webhook.Messaging;
using Webhook.Processor.Options;

namespace Webhook.Processor.Consumers;

/// <summary>
/// How events are consumed: at most Processor:ConcurrencyLimit at once; a failure that is not the event's own retried
/// in process with exponential backoff for as long as it lasts (the event stays unacknowledged on the broker
/// meanwhile, so a restart redelivers it); the event's own failures to the error queue at once, with the exception.
/// </summary>
public sealed class EmailEventReceivedConsumerDefinition : ConsumerDefinition<EmailEventReceivedConsumer>
{
    readonly ProcessorOptions _options;
    readonly BrokerOptions _broker;

    public EmailEventReceivedConsumerDefinition(IOptions<ProcessorOptions> options, IOptions<BrokerOptions> broker)
    {
        _options = options.Value;
        _broker = broker.Value;
        EndpointName = _broker.QueueName;
        ConcurrentMessageLimit = _options.ConcurrencyLimit;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<EmailEventReceivedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // As many prefetched as there are slots, and no more: a replica that loses its connection has no buffer of
        // events beyond those it works on, and the one taking over finds them back on the queue.
        endpointConfigurator.PrefetchCount = _options.ConcurrencyLimit;
        endpointConfigurator.ConcurrentMessageLimit = _options.ConcurrencyLimit;
        BrokerTransport.ConfigureEmailEventsEndpoint(endpointConfigurator, _broker);

        // A failure that is not the event's own is retried without limit, the waits doubling up to RetryMaxInterval:
        // the events in hand hold their slots, so consumption pauses until the cause is fixed, and none is
        // dead-lettered for it. The event's own failures go to the dead letters at once.
        consumerConfigurator.UseMessageRetry(r =>
        {
            r.Exponential(int.MaxValue, _options.RetryMinInterval, _options.RetryMaxInterval, _options.RetryMinInterval);
            r.Handle<Exception>(e => !EventFailures.IsTheEventsFault(e) && e is not OperationCanceledException);
        });
        consumerConfigurator.ConsumerMessage<EmailEventReceived>(m => m.UseFilter(
            new ConsumptionFilter(context.GetRequiredService<ConsumptionState>(), context.GetRequiredService<IServiceScopeFactory>())));
    }
}
