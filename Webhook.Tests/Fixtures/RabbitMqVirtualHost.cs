using System.Globalization;
using System.Text.RegularExpressions;
using RabbitMQ.Client;

namespace Webhook.Tests.Fixtures;

/// <summary>A virtual host of its own on the test RabbitMQ, so a fixture's queues never meet another's; deleted at the end.</summary>
public sealed class RabbitMqVirtualHost : IAsyncLifetime
{
    public string Name { get; } = "test-" + Guid.NewGuid().ToString("N")[..10];

    public async Task InitializeAsync()
    {
        await RealServers.EnsureStartedAsync();
        await RabbitMqCtlAsync("add_vhost", Name);
        await RabbitMqCtlAsync("set_permissions", "-p", Name, "guest", ".*", ".*", ".*");
    }

    public async Task DisposeAsync() => await RabbitMqCtlAsync("delete_vhost", Name);

    /// <summary>Messages in a queue of this virtual host, ready and unacknowledged; -1 when it does not exist.</summary>
    public async Task<int> QueueDepthAsync(string queue)
    {
        var listing = await RabbitMqCtlAsync("-q", "list_queues", "-p", Name, "name", "messages");
        var match = Regex.Match(listing, $"^{Regex.Escape(queue)}\\s+(\\d+)\\s*$", RegexOptions.Multiline);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }

    /// <summary>Empties a queue, if it exists, behind the back of the code under test (its ready messages; held ones stay).</summary>
    public async Task PurgeQueueAsync(string queue)
    {
        // Not only when the depth says so: a quorum queue's count can lag behind its content for a moment.
        if (await QueueDepthAsync(queue) >= 0)
            await RabbitMqCtlAsync("purge_queue", "-p", Name, queue);
    }

    /// <summary>
    /// Messages ready for delivery in a queue, straight from the queue (a passive declare, not rabbitmqctl's figure,
    /// which lags for quorum queues); 0 when the queue does not exist.
    /// </summary>
    public async Task<uint> ReadyMessagesAsync(string queue)
    {
        var servers = await RealServers.EnsureStartedAsync();
        var factory = new ConnectionFactory { Uri = new Uri(servers.RabbitMqFor(Name)) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }

    public Task DeleteQueueAsync(string queue) => RabbitMqCtlAsync("delete_queue", "-p", Name, queue);

    static Task<string> RabbitMqCtlAsync(params string[] args) => RealServers.ScriptAsync(["rabbitmqctl", .. args]);
}
