using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Webhook.Tests.Fixtures;

/// <summary>
/// The whole system on the real servers: Webhook.Api and Webhook.Processor as separate processes, with a database,
/// statistics tables and a RabbitMQ virtual host of their own. One per test collection; tests use their own emails.
/// </summary>
public sealed partial class PipelineFixture : IAsyncLifetime
{
    public PostgresDatabase Database { get; } = new();

    public DynamoTables Dynamo { get; } = new();

    public string VirtualHost { get; } = "test-" + Guid.NewGuid().ToString("N")[..10];

    public HostProcess Api { get; private set; } = null!;

    public HostProcess Processor { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public Dictionary<string, string> Environment { get; private set; } = null!;

    public const string QueueName = "email-events";

    public async Task InitializeAsync()
    {
        var servers = await RealServers.EnsureStartedAsync();
        await Task.WhenAll(Database.InitializeAsync(), Dynamo.InitializeAsync(), CreateVirtualHostAsync());

        Environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = Database.ConnectionString,
            ["ConnectionStrings__RabbitMq"] = servers.RabbitMqFor(VirtualHost),
            ["AWS__ServiceURL"] = servers.DynamoServiceUrl,
            ["AWS__Region"] = "us-east-1",
            ["AWS_ACCESS_KEY_ID"] = "local",
            ["AWS_SECRET_ACCESS_KEY"] = "local",
            ["Stats__TablePrefix"] = Dynamo.Prefix,
            ["Webhooks__Email__Secret"] = Signing.TestSecret,
            ["Processor__ConcurrencyLimit"] = "3",
        };
        Processor = new HostProcess("Webhook.Processor", Environment);
        Api = new HostProcess("Webhook.Api", Environment);
        await Task.WhenAll(Processor.StartAsync(), Api.StartAsync());
        Client = new HttpClient { BaseAddress = Api.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Api is not null)
            await Api.DisposeAsync();
        if (Processor is not null)
            await Processor.DisposeAsync();
        await RealServers.ScriptAsync("rabbitmqctl", "delete_vhost", VirtualHost);
        await Database.DisposeAsync();
        await Dynamo.DisposeAsync();
    }

    async Task CreateVirtualHostAsync()
    {
        await RealServers.EnsureStartedAsync();
        await RealServers.ScriptAsync("rabbitmqctl", "add_vhost", VirtualHost);
        await RealServers.ScriptAsync("rabbitmqctl", "set_permissions", "-p", VirtualHost, "guest", ".*", ".*", ".*");
    }

    /// <summary>Messages in a queue of this fixture's virtual host, ready and unacknowledged; -1 when it does not exist.</summary>
    public async Task<int> QueueDepthAsync(string queue)
    {
        var listing = await RealServers.ScriptAsync("rabbitmqctl", "-q", "list_queues", "-p", VirtualHost, "name", "messages");
        var match = Regex.Match(listing, $"^{Regex.Escape(queue)}\\s+(\\d+)\\s*$", RegexOptions.Multiline);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }

    /// <summary>Waits until the Processor has settled every message of the queue.</summary>
    public async Task WaitForQueueDrainedAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (await QueueDepthAsync(QueueName) != 0)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{QueueName} still holds messages.\nProcessor:\n{Processor.RecentOutput}");
            await Task.Delay(250);
        }
    }

    /// <summary>Posts a signed Standard Webhooks request and returns the status code.</summary>
    public async Task<HttpStatusCode> PostAsync(string body, string? webhookId = null)
    {
        using var response = await Client.SendAsync(Signing.StandardRequest(body, id: webhookId));
        return response.StatusCode;
    }
}

[CollectionDefinition(Name)]
public sealed class PipelineTestGroup : ICollectionFixture<PipelineFixture>
{
    public const string Name = "Pipeline on real servers";
}
