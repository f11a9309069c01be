using System.Net.Sockets;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Webhook.Messaging;

/// <summary>
/// The broker connection of the operators' tools (dead letters, set-aside events): opened on first use, shared by
/// every request, opened again when it was lost. Each operation works on a channel of its own, so whatever an
/// operation holds goes back to its queue when it closes its channel, or when the process dies and the connection
/// with it.
/// </summary>
public sealed class OperatorConnection(IOptions<BrokerConnectionOptions> options, IOptions<BrokerOptions> broker) : IAsyncDisposable
{
    static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    readonly SemaphoreSlim _opening = new(1, 1);
    IConnection? _connection;

    /// <summary>A new channel, with publisher confirms when asked; throws <see cref="BrokerUnavailableException"/>.</summary>
    public async Task<IChannel> OpenChannelAsync(bool confirms, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await ConnectionAsync(cancellationToken);
            return await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: confirms, publisherConfirmationTrackingEnabled: confirms), cancellationToken);
        }
        catch (Exception ex) when (IsBrokerFailure(ex))
        {
            throw new BrokerUnavailableException($"The broker cannot be reached: {ex.Message}", ex);
        }
    }

    async Task<IConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsOpen: true } open)
            return open;
        await _opening.WaitAsync(cancellationToken);
        try
        {
            if (_connection is { IsOpen: true } opened)
                return opened;
            if (_connection is not null)
                await _connection.DisposeAsync();
            var factory = new ConnectionFactory
            {
                Uri = options.Value.ToUri(),
                AutomaticRecoveryEnabled = false,
                RequestedConnectionTimeout = ConnectTimeout,
                ClientProvidedName = $"{AppDomain.CurrentDomain.FriendlyName} operators",
            };
            // With cluster nodes, the first that answers, in a different order each time.
            var nodes = broker.Value.Nodes.Select(n => new AmqpTcpEndpoint(n.Host, n.Port ?? factory.Port, factory.Ssl)).ToList();
            _connection = nodes.Count > 0
                ? await factory.CreateConnectionAsync(nodes.OrderBy(_ => Random.Shared.Next()).ToList(), cancellationToken)
                : await factory.CreateConnectionAsync(cancellationToken);
            return _connection;
        }
        finally
        {
            _opening.Release();
        }
    }

    /// <summary>
    /// Opens a scan of <paramref name="queue"/>; a queue that does not exist reads as empty, one whose node is down
    /// throws <see cref="BrokerUnavailableException"/>.
    /// </summary>
    public async Task<QueueScan<T>> ScanAsync<T>(string queue, bool confirms, Func<IReadOnlyBasicProperties, byte[], T> read,
        CancellationToken cancellationToken)
    {
        var channel = await OpenChannelAsync(confirms, cancellationToken);
        try
        {
            var present = (int)Math.Min((await channel.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount, int.MaxValue);
            return new QueueScan<T>(channel, queue, present, read);
        }
        catch (OperationInterruptedException ex) when (IsMissingQueue(ex))
        {
            // The passive declare closed the channel: the queue has never been declared, so it holds nothing.
            await channel.DisposeAsync();
            return new QueueScan<T>(await OpenChannelAsync(confirms, cancellationToken), queue, 0, read);
        }
        catch (Exception ex) when (IsBrokerFailure(ex))
        {
            await channel.DisposeAsync();
            throw new BrokerUnavailableException($"The broker cannot be reached to read {queue}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Whether a passive declare was refused because the queue does not exist. RabbitMQ answers 404 as well when a
    /// classic queue exists but its node is down ("home node … of durable queue … is down or inaccessible"): that
    /// queue holds messages nobody can read now, which is a broker failure, not an empty queue.
    /// </summary>
    public static bool IsMissingQueue(OperationInterruptedException ex) =>
        ex.ShutdownReason is { ReplyCode: 404 } reason && reason.ReplyText.Contains("no queue", StringComparison.Ordinal);

    public static bool IsBrokerFailure(Exception ex) => ex is RabbitMQClientException or IOException or SocketException or TimeoutException;

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
            await _connection.DisposeAsync();
        _opening.Dispose();
    }
}

/// <summary>The broker cannot be reached (it is down, or refuses the connection).</summary>
public sealed class BrokerUnavailableException(string message, Exception innerException) : Exception(message, innerException);

/// <summary>
/// One pass over the messages a queue held when it began, each held (read without acknowledgement, so hidden from
/// everyone else) until it is removed or given back. RabbitMQ has no browse: this is how a queue is read in place.
/// </summary>
public sealed class QueueScan<T>(IChannel channel, string queue, int present, Func<IReadOnlyBasicProperties, byte[], T> read) : IAsyncDisposable
{
    int _read;

    /// <summary>Messages in the queue when the scan began.</summary>
    public int Present => present;

    public IChannel Channel => channel;

    public async Task<QueuedMessage<T>?> NextAsync(CancellationToken cancellationToken)
    {
        if (_read >= present)
            return null;
        var got = await channel.BasicGetAsync(queue, autoAck: false, cancellationToken);
        if (got is null)
            return null;
        _read++;
        var body = got.Body.ToArray();
        return new QueuedMessage<T>(got.DeliveryTag, got.BasicProperties, body, read(got.BasicProperties, body));
    }

    /// <summary>Acknowledges the message: it leaves the queue for good. Not cancellable: its outcome is already decided.</summary>
    public Task RemoveAsync(QueuedMessage<T> message) => channel.BasicAckAsync(message.DeliveryTag, multiple: false, CancellationToken.None).AsTask();

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Delivery tag 0 with multiple: every message still held, back in its place. Closing the channel would
            // do the same; this says it.
            if (_read > 0 && channel.IsOpen)
                await channel.BasicNackAsync(0, multiple: true, requeue: true, CancellationToken.None);
            if (channel.IsOpen)
                await channel.CloseAsync(CancellationToken.None);
        }
        catch (Exception ex) when (OperatorConnection.IsBrokerFailure(ex))
        {
            // The connection is gone: the broker gives back what it held.
        }
        finally
        {
            await channel.DisposeAsync();
        }
    }
}

/// <summary>A message a scan holds: its delivery, what the broker has of it, and what it reads as.</summary>
public sealed record QueuedMessage<T>(ulong DeliveryTag, IReadOnlyBasicProperties Properties, byte[] Body, T Value);
