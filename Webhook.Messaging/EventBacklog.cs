using Microsoft.Extensions.Options;
using RabbitMQ.Client.Exceptions;

namespace Webhook.Messaging;

/// <summary>
/// What the main queue of events holds, for operators. Counts only: RabbitMQ cannot browse a quorum queue, and
/// reading its messages in place (a basic.get given back) would count as a delivery against each one's delivery limit.
/// </summary>
public interface IEventBacklog
{
    /// <summary>Events waiting to be delivered, and the consumers connected; null when the queue does not exist yet.</summary>
    Task<EventBacklog?> StateAsync(CancellationToken cancellationToken);
}

/// <summary>The main queue at one moment: events ready for delivery (not those a consumer holds), consumers connected.</summary>
public sealed record EventBacklog(string Queue, long Waiting, long Consumers);

/// <summary>The main queue on RabbitMQ, asked with a passive declare (which changes nothing).</summary>
public sealed class RabbitMqEventBacklog(OperatorConnection connection, IOptions<BrokerOptions> broker) : IEventBacklog
{
    public async Task<EventBacklog?> StateAsync(CancellationToken cancellationToken)
    {
        var queue = broker.Value.QueueName;
        await using var channel = await connection.OpenChannelAsync(confirms: false, cancellationToken);
        try
        {
            var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            return new EventBacklog(queue, declared.MessageCount, declared.ConsumerCount);
        }
        catch (OperationInterruptedException ex) when (OperatorConnection.IsMissingQueue(ex))
        {
            return null;
        }
        catch (Exception ex) when (OperatorConnection.IsBrokerFailure(ex))
        {
            throw new BrokerUnavailableException($"The broker cannot be reached to read {queue}: {ex.Message}", ex);
        }
    }
}
