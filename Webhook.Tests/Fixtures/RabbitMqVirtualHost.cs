using System.Globalization;
using System.Text.RegularExpressions;

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

    public Task DeleteQueueAsync(string queue) => RabbitMqCtlAsync("delete_queue", "-p", Name, queue);

    static Task<string> RabbitMqCtlAsync(params string[] args) => RealServers.ScriptAsync(["rabbitmqctl", .. args]);
}
