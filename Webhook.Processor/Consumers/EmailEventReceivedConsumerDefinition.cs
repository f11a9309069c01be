using MassTransit;
using Microsoft.Extensions.Options;
using Webhook.Contracts;
using Webhook.Messaging;
using Webhook.Processor.Options;

namespace Webhook.Processor.Consumers;

/// <summary>
/// How events are consumed: twice Processor:ConcurrencyLimit in hand, at most the limit of them in each store; a
/// failure that is not the event's own retried in process with exponential backoff for as long as it lasts (the event
/// stays unacknowledged on the broker meanwhile, so a restart redelivers it); the event's own failures to the error
/// queue at once, with the exception.
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
        ConcurrentMessageLimit = 2 * _options.ConcurrencyLimit;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<EmailEventReceivedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // Twice the limit in hand: each store takes at most the limit of them at once (StoreGates and the database
        // slots), so that an event's DynamoDB write and the next events' deliveries are never what a free PostgreSQL
        // slot waits for. A replica that loses its connection has no buffer beyond that: the one taking over finds its
        // events back on the queue, and their slots keep the bound meanwhile.
        endpointConfigurator.PrefetchCount = 2 * _options.ConcurrencyLimit;
        endpointConfigurator.ConcurrentMessageLimit = 2 * _options.ConcurrencyLimit;
        BrokerTransport.ConfigureEmailEventsEndpoint(endpointConfigurator, _broker);

        // A failure that is not the event's own is retried without limit, the waits doubling up to RetryMaxInterval:
        // the events in hand stay in hand, so consumption pauses until the cause is fixed, and none is
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
