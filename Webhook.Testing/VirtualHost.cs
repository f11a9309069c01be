using System.Globalization;
using System.Text.RegularExpressions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Webhook.Messaging;

namespace Webhook.Testing;

/// <summary>
/// A RabbitMQ virtual host of its own on the run's broker, so that one fixture's queues never meet another's;
/// deleted at the end. It gets the email queue's policy as servers.sh applies it (its limits: max-length,
/// delivery-limit), with the values a test gives instead. Reads queues the way the tests need: ready messages straight
/// from the queue over AMQP, everything held (ready and unacknowledged) from rabbitmqctl.
/// </summary>
public sealed class VirtualHost(LocalServers servers, string? name = null, IReadOnlyDictionary<string, int>? policy = null) : IAsyncDisposable
{
    public string Name { get; } = name ?? "test-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>The AMQP URI of this virtual host (ConnectionStrings:RabbitMq of the hosts).</summary>
    public string Uri => servers.RabbitMqFor(Name);

    bool _created;

    /// <summary>The limits of the email queue's policy here: servers.sh's, with the test's own values over them.</summary>
    public IReadOnlyDictionary<string, int> Policy { get; private set; } = new Dictionary<string, int>();

    /// <summary>Creates the virtual host, its permissions and its policy, in one call of rabbitmqctl.</summary>
    public async Task CreateAsync()
    {
        var defaults = servers.Description.Policy ?? throw new InvalidOperationException("servers.sh describe gave no policy.");
        var definition = new Dictionary<string, int>(defaults.Definition);
        foreach (var (key, value) in policy ?? new Dictionary<string, int>())
            definition[key] = value;
        var definitions = new
        {
            vhosts = new[] { new { name = Name } },
            permissions = new[] { new { user = "guest", vhost = Name, configure = ".*", write = ".*", read = ".*" } },
            policies = new[] { new Dictionary<string, object> { ["vhost"] = Name, ["name"] = defaults.Name, ["pattern"] = defaults.Pattern, ["apply-to"] = "queues", ["definition"] = definition, ["priority"] = 0 } },
        };
        var file = Path.Combine(Path.GetTempPath(), $"webhook-vhost-{Name}.json");
        await File.WriteAllTextAsync(file, System.Text.Json.JsonSerializer.Serialize(definitions));
        try
        {
            await servers.RabbitMqCtlAsync("-q", "import_definitions", file);
        }
        finally
        {
            File.Delete(file);
        }
        Policy = definition;
        _created = true;
    }

    /// <summary>Changes the email queue's policy here (as an operator would with servers.sh policy).</summary>
    public async Task SetPolicyAsync(IReadOnlyDictionary<string, int> values)
    {
        var defaults = servers.Description.Policy!;
        var definition = new Dictionary<string, int>(Policy);
        foreach (var (key, value) in values)
            definition[key] = value;
        await servers.RabbitMqCtlAsync("-q", "set_policy", "-p", Name, "--apply-to", "queues", "--priority", "0", defaults.Name, defaults.Pattern,
            System.Text.Json.JsonSerializer.Serialize(definition));
        Policy = definition;
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
        catch (OperationInterruptedException ex) when (OperatorConnection.IsMissingQueue(ex))
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
        catch (OperationInterruptedException ex) when (OperatorConnection.IsMissingQueue(ex))
        {
        }
    }

    /// <summary>Closes every client connection to this virtual host, as a broker restarting or an operator would.</summary>
    public Task CloseConnectionsAsync(string explanation) => servers.RabbitMqCtlAsync("-q", "close_all_connections", "-p", Name, explanation);

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

    /// <summary>
    /// The ids and headers of the first <paramref name="count"/> messages a consumer of <paramref name="queue"/> is
    /// given, left in the queue (they are never acknowledged). For the queues basic.get cannot read: a quorum queue with
    /// a single active consumer, while no other consumer holds it.
    /// </summary>
    public async Task<List<(string? MessageId, IDictionary<string, object?> Headers)>> ReceiveAsync(string queue, int count, TimeSpan timeout)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var messages = new List<(string?, IDictionary<string, object?>)>();
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            lock (messages)
            {
                messages.Add((delivery.BasicProperties.MessageId, delivery.BasicProperties.Headers ?? new Dictionary<string, object?>()));
                if (messages.Count >= count)
                    received.TrySetResult();
            }
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        await received.Task.WaitAsync(timeout);
        // Closing the channel puts every unacknowledged message back.
        lock (messages)
            return [.. messages];
    }

    /// <summary>A connection to this virtual host: on a cluster, to the first node that answers.</summary>
    public Task<IConnection> ConnectAsync()
    {
        var factory = new ConnectionFactory { Uri = new System.Uri(Uri), RequestedConnectionTimeout = TimeSpan.FromSeconds(5) };
        var nodes = servers.ClusterNodes;
        if (nodes.Count == 0)
            return factory.CreateConnectionAsync();
        return factory.CreateConnectionAsync(nodes.Select(n => new AmqpTcpEndpoint(n.Split(':')[0], int.Parse(n.Split(':')[1], CultureInfo.InvariantCulture))).ToList());
    }

    /// <summary>The node (webhook-test-cluster-2@localhost) that holds a quorum queue's leader.</summary>
    public async Task<string> LeaderAsync(string queue)
    {
        var listing = await servers.RabbitMqCtlAsync("-q", "list_queues", "-p", Name, "name", "leader");
        var match = Regex.Match(listing, $"^{Regex.Escape(queue)}\\s+(\\S+@\\S+)\\s*$", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"No leader of {queue} in:\n{listing}");
    }

    /// <summary>An Erlang process id as rabbitmqctl lists it (<c>&lt;node@host.1.2.3&gt;</c>), capturing its node.</summary>
    const string NodeOfProcess = @"<([^.>]+@[^.>]+)\.[^>]*>";

    /// <summary>The node (webhook-test-cluster-1@localhost) that holds a classic queue, from its process id.</summary>
    public async Task<string> HomeNodeAsync(string queue)
    {
        var listing = await servers.RabbitMqCtlAsync("-q", "list_queues", "-p", Name, "name", "pid");
        var match = Regex.Match(listing, $"^{Regex.Escape(queue)}\\s+{NodeOfProcess}\\s*$", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"No node of {queue} in:\n{listing}");
    }

    /// <summary>The node the queue's active consumer (single active consumer) is connected to, from its channel's process id.</summary>
    public async Task<string?> ActiveConsumerNodeAsync(string queue)
    {
        var listing = await servers.RabbitMqCtlAsync("-q", "list_consumers", "-p", Name, "queue_name", "channel_pid", "active");
        var match = Regex.Match(listing, $"^{Regex.Escape(queue)}\\s+{NodeOfProcess}\\s+true\\s*$", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value : null;
    }
}
