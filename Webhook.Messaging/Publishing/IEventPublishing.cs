using Webhook.Contracts;

namespace Webhook.Messaging.Publishing;

/// <summary>
/// Puts the intake's messages in the broker. Each call completes only once the broker has confirmed the message
/// durable and routed to a queue, and throws otherwise (refused, unroutable, connection lost, cancelled): the API
/// answers 2xx on the first and 503 on the second. Messages carry their own id (the event's, the record's), which the
/// Processor's inbox recognises when a provider's retry publishes one again.
/// </summary>
public interface IEventPublishing
{
    Task PublishAsync(EmailEventReceived message, CancellationToken cancellationToken);

    Task PublishAsync(EmailEventSetAside message, CancellationToken cancellationToken);
}
