using MassTransit;
using Microsoft.Extensions.Options;
using Webhook.Messaging;
using Webhook.Processor.Options;

namespace Webhook.Processor.Consumers;

/// <summary>
/// How events are consumed: at most Processor:ConcurrencyLimit at once, transient failures retried in process with
/// exponential backoff (the event stays unacknowledged on the broker meanwhile, so a restart redelivers it), then the
/// error queue with the exception; permanent failures go to the error queue at once.
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
        // Enough prefetched to keep every slot busy; little enough that a standby replica taking over finds the
        // queue, not another replica's buffer.
        endpointConfigurator.PrefetchCount = _options.ConcurrencyLimit * 2;
        endpointConfigurator.ConcurrentMessageLimit = _options.ConcurrencyLimit;
        BrokerTransport.ConfigureEmailEventsEndpoint(endpointConfigurator, _broker);

        consumerConfigurator.UseMessageRetry(r =>
        {
            r.Exponential(_options.RetryLimit, _options.RetryMinInterval, _options.RetryMaxInterval, _options.RetryMinInterval);
            r.Handle<Exception>(TransientFailures.IsTransient);
        });
    }
}
