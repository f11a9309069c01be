using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Webhook.Contracts;
using Webhook.Messaging.DeadLetters;
using Webhook.Messaging.Publishing;
using Webhook.Messaging.SetAside;

namespace Webhook.Messaging;

/// <summary>
/// The one place that chooses the message transport (RabbitMQ) and its RabbitMQ-specific topology, shared by both
/// hosts so that the queue both of them declare has the same arguments. Moving to another transport (SQS, Azure
/// Service Bus) means rewriting this library only.
/// </summary>
public static class BrokerTransport
{
    /// <summary>Binds and validates Broker:* and ConnectionStrings:RabbitMq, at start.</summary>
    public static IServiceCollection AddBrokerOptions(this IServiceCollection services)
    {
        services.AddOptions<BrokerOptions>().BindConfiguration(BrokerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BrokerOptions>, BrokerOptionsValidator>());
        services.AddOptions<BrokerConnectionOptions>().BindConfiguration(BrokerConnectionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    /// <summary>
    /// The operators' queues on this transport: the dead letters (<see cref="IDeadLetters"/>), the events set aside
    /// by the intake (<see cref="ISetAsideEvents"/>) and the main queue's counts (<see cref="IEventBacklog"/>), over one
    /// shared connection.
    /// </summary>
    public static IServiceCollection AddOperatorQueues(this IServiceCollection services)
    {
        services.AddBrokerOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OperatorConnection>();
        services.AddSingleton<IDeadLetters, RabbitMqDeadLetters>();
        services.AddSingleton<ISetAsideEvents, RabbitMqSetAsideEvents>();
        services.AddSingleton<IEventBacklog, RabbitMqEventBacklog>();
        return services;
    }

    /// <summary>
    /// The intake's publisher (<see cref="IEventPublishing"/>) on this transport: its connection, kept open from the
    /// host's start (<see cref="PublisherConnection"/>), and its readiness check, tagged <paramref name="readyTags"/>.
    /// </summary>
    public static IServiceCollection AddEventPublishing(this IServiceCollection services, params string[] readyTags)
    {
        services.AddBrokerOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<PublisherConnection>();
        services.AddSingleton<RabbitMqEventPublishing>();
        services.AddSingleton<IEventPublishing>(sp => sp.GetRequiredService<RabbitMqEventPublishing>());
        services.AddHostedService<PublisherConnectionService>();
        services.AddHealthChecks().AddCheck<PublisherConnectionHealthCheck>(PublisherConnectionHealthCheck.Name, tags: readyTags);
        return services;
    }

    /// <summary>Selects the transport and configures the endpoints of the registered consumers on it.</summary>
    public static void UsingConfiguredBroker(this IBusRegistrationConfigurator bus)
    {
        bus.UsingRabbitMq((context, cfg) =>
        {
            var connection = context.GetRequiredService<IOptions<BrokerConnectionOptions>>().Value;
            var broker = context.GetRequiredService<IOptions<BrokerOptions>>().Value;

            cfg.Host(connection.ToUri(), h =>
            {
                // Each publish completes only when the broker has confirmed it: the API's 202 depends on it.
                h.PublisherConfirmation = true;
                h.ConnectionName(AppDomain.CurrentDomain.FriendlyName);
                // A node that stops answering without closing the connection (a host gone, a network cut) is given up
                // after two missed heartbeats, and one that does not answer a connect after a few seconds.
                h.Heartbeat(Heartbeat);
                h.RequestedConnectionTimeout(ConnectTimeout);
                // Every node of the cluster: a connection goes to one, and after losing it to the next in turn. Each process
                // takes them in an order of its own, so that the hosts' connections spread over the nodes.
                var nodes = broker.Nodes.OrderBy(_ => Random.Shared.Next()).ToArray();
                if (nodes.Length > 0)
                    h.UseCluster(c =>
                    {
                        foreach (var node in nodes)
                            c.Node(node.ToString());
                    });
            });
            BrokerReconnection.Apply(cfg);

            // The queue is declared and bound on the publishing side too: RabbitMQ silently drops a message published
            // to an exchange with no queue bound, which would turn a 202 into a lost event if the API ran before any
            // Processor had ever started. Bound straight to the message type's exchange; when the Processor has also
            // bound it through its endpoint exchange, RabbitMQ still routes one copy per queue.
            var messageExchange = cfg.MessageTopology.GetMessageTopology<EmailEventReceived>().EntityName;
            cfg.Publish<EmailEventReceived>(p => p.BindQueue(messageExchange, broker.QueueName, q => ConfigureQueue(q, broker)));
            // The events of verified webhooks that could not be accepted: a plain durable classic queue nothing
            // consumes, which operators read in place (RabbitMqSetAsideEvents).
            var setAsideExchange = cfg.MessageTopology.GetMessageTopology<EmailEventSetAside>().EntityName;
            cfg.Publish<EmailEventSetAside>(p => p.BindQueue(setAsideExchange, broker.SetAsideQueueName, q =>
            {
                q.Durable = true;
                q.AutoDelete = false;
            }));

            // Belt and braces: an unroutable event is returned to us as an error rather than confirmed and dropped.
            // Events only: when the Processor gives up on an event, MassTransit also publishes a Fault<> of it to an
            // exchange no queue is bound to; made mandatory, that publish fails, the event never reaches the error
            // queue and is redelivered until the broker's delivery limit instead.
            cfg.ConfigurePublish(p => p.UseExecute(ctx =>
            {
                if (ctx is SendContext<EmailEventReceived> or SendContext<EmailEventSetAside> && ctx.TryGetPayload<RabbitMqSendContext>(out var rabbit))
                    rabbit.Mandatory = true;
            }));

            // MassTransit declares an endpoint's error queue (and its _skipped queue) with the endpoint queue's own
            // arguments. Ours would make the error queue a quorum queue that dead-letters into itself, and inequivalent
            // to the classic queue BindDeadLetterQueue declares, so the broker would refuse the move of every fault.
            // The error queue stays a plain durable classic queue: operators browse it and put messages back in place.
            cfg.SendTopology.ConfigureErrorSettings = ClearMainQueueArguments;
            cfg.SendTopology.ConfigureDeadLetterSettings = ClearMainQueueArguments;

            cfg.ConfigureEndpoints(context);
        });
    }

    /// <summary>RabbitMQ specifics of the Processor's receive endpoint.</summary>
    public static void ConfigureEmailEventsEndpoint(IReceiveEndpointConfigurator endpoint, BrokerOptions broker)
    {
        if (endpoint is not IRabbitMqReceiveEndpointConfigurator rabbit)
            return;

        ConfigureQueue(rabbit, broker);
        // The error queue is declared beside consumption, not by the endpoint (ErrorQueueDeclaration, registered by
        // AddErrorQueueDeclaration): the endpoint then starts on any node that holds the events' queue.
    }

    /// <summary>
    /// The error exchange, queue and binding, declared in the background as soon as the broker allows
    /// (<see cref="ErrorQueueDeclaration"/>): for the host that consumes the events.
    /// </summary>
    public static IServiceCollection AddErrorQueueDeclaration(this IServiceCollection services)
    {
        services.AddBrokerOptions();
        services.TryAddSingleton<OperatorConnection>();
        services.AddHostedService<ErrorQueueDeclaration>();
        return services;
    }

    /// <summary>
    /// Quorum queue: replicated and durable, counts deliveries. Single active consumer: however many Processor
    /// replicas are connected, the broker delivers to one of them at a time; the next replica takes over when the
    /// active one disconnects (the Processor's slots in PostgreSQL keep the bound while the old one finishes).
    /// Only what never changes is declared here: the limits operators may change (max-length, delivery-limit) are a
    /// broker policy, so that two hosts configured differently cannot make the broker refuse the queue. Overflow
    /// reject-publish: a full queue refuses publishes (the API answers 503) rather than dropping the oldest events; it
    /// also lets the broker dead-letter at least once (a dead letter is removed only once the error queue has it).
    /// </summary>
    static void ConfigureQueue(IRabbitMqQueueConfigurator queue, BrokerOptions broker)
    {
        queue.Durable = true;
        queue.AutoDelete = false;
        queue.SetQuorumQueue();
        queue.SingleActiveConsumer = true;
        queue.SetQueueArgument("x-overflow", "reject-publish");
        queue.SetQueueArgument("x-dead-letter-exchange", broker.ErrorQueueName);
        queue.SetQueueArgument("x-dead-letter-strategy", "at-least-once");
    }

    /// <summary>
    /// The arguments <see cref="ConfigureQueue"/> gives the events' queue, for a declaration made without MassTransit
    /// (the API's publisher): the broker refuses a second declaration whose arguments differ from the first.
    /// </summary>
    public static Dictionary<string, object?> MainQueueArgumentsOf(BrokerOptions broker) => new()
    {
        ["x-queue-type"] = "quorum",
        ["x-single-active-consumer"] = true,
        ["x-overflow"] = "reject-publish",
        ["x-dead-letter-exchange"] = broker.ErrorQueueName,
        ["x-dead-letter-strategy"] = "at-least-once",
    };

    /// <summary>Every queue argument <see cref="ConfigureQueue"/> sets: a queue derived from the main one drops them.</summary>
    static readonly string[] MainQueueArguments = [.. MainQueueArgumentsOf(new BrokerOptions()).Keys];

    /// <summary>
    /// The exchange MassTransit publishes messages of type <typeparamref name="T"/> to on RabbitMQ, and consumers bind
    /// their queues to: fanout and durable, named after the type.
    /// </summary>
    public static string ExchangeOf<T>() => $"{typeof(T).Namespace}:{typeof(T).Name}";

    /// <summary>MassTransit's name of message type <typeparamref name="T"/> in the envelope's messageType.</summary>
    public static string MessageTypeOf<T>() => $"urn:message:{typeof(T).Namespace}:{typeof(T).Name}";

    /// <summary>RabbitMQ's heartbeat for the hosts' connections.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(10);

    /// <summary>How long a connection attempt to one node may take.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    static void ClearMainQueueArguments(IRabbitMqQueueBindingConfigurator queue)
    {
        foreach (var argument in MainQueueArguments)
            queue.SetQueueArgument(argument, null);
    }
}
