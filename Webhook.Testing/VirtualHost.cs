using System.Globalization;
using System.Text.RegularExpressions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Webhook.Testing;

/// <summary>
/// A RabbitMQ virtual host of its own on the run's broker, so that one fixture's queues never meet another's;
/// deleted at the end. Reads queues the way the tests need: ready messages straight from the queue over AMQP,
/// everything held (ready and unacknowledged) from rabbitmqctl.
/// </summary>
public sealed class VirtualHost(LocalServers servers, string? name = null) : IAsyncDisposable
{
    public string Name { get; } = name ?? "test-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>The AMQP URI of this virtual host (ConnectionStrings:RabbitMq of the hosts).</summary>
    public string Uri => servers.RabbitMqFor(Name);

    bool _created;

    public async Task CreateAsync()
    {
        await servers.RabbitMqCtlAsync("-q", "add_vhost", Name);
        await servers.RabbitMqCtlAsync("-q", "set_permissions", "-p", Name, "guest", ".*", ".*", ".*");
        _created = true;
    }

    public async Task DeleteAsync()
    {
        await servers.RabbitMqCtlAsync("-q", "delete_vhost", Name);
        _created = false;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_created)
            return;
        try
        {
            await DeleteAsync();
        }
        catch (InvalidOperationException)
        {
            // The broker was stopped by the test and not started again: nothing left to delete from.
        }
    }

    /// <summary>
    /// Messages in a queue, ready and unacknowledged, as rabbitmqctl counts them; -1 when it does not exist. Exact for
    /// a classic queue; for a quorum queue a figure the broker refreshes every few seconds.
    /// </summary>
    public async Task<int> QueueDepthAsync(string queue)
    {
        var listing = await servers.RabbitMqCtlAsync("-q", "list_queues", "-p", Name, "name", "messages");
        var match = Regex.Match(listing, $"^{Regex.Escape(queue)}\\s+(\\d+)\\s*$", RegexOptions.Multiline);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }

    /// <summary>
    /// Messages ready for delivery in a queue, straight from the queue (a passive declare; for a quorum queue its
    /// leader's own count); 0 when the queue does not exist. Messages a consumer holds are not ready.
    /// </summary>
    public async Task<uint> ReadyMessagesAsync(string queue)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }

    /// <summary>Empties a queue of its ready messages, if it exists, behind the back of the code under test.</summary>
    public async Task PurgeQueueAsync(string queue)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await channel.QueuePurgeAsync(queue);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
        }
    }

    public Task DeleteQueueAsync(string queue) => servers.RabbitMqCtlAsync("-q", "delete_queue", "-p", Name, queue);

    /// <summary>The ids and headers of the ready messages of a queue, read without taking them (they are put back).</summary>
    public async Task<List<(string? MessageId, IDictionary<string, object?> Headers)>> PeekAsync(string queue)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var messages = new List<(string?, IDictionary<string, object?>)>();
        while (await channel.BasicGetAsync(queue, autoAck: false) is { } result)
            messages.Add((result.BasicProperties.MessageId, result.BasicProperties.Headers ?? new Dictionary<string, object?>()));
        // Closing the channel puts every unacknowledged message back.
        return messages;
    }

    public Task<IConnection> ConnectAsync() => new ConnectionFactory { Uri = new System.Uri(Uri) }.CreateConnectionAsync();
}
