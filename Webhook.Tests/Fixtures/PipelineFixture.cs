using System.Net;

namespace Webhook.Tests.Fixtures;

/// <summary>
/// The whole system on the real servers: Webhook.Api and Webhook.Processor as separate processes, with a database,
/// statistics tables and a RabbitMQ virtual host of their own. One per test collection; tests use their own emails.
/// </summary>
public sealed partial class PipelineFixture : IAsyncLifetime
{
    public PostgresDatabase Database { get; } = new();

    public DynamoTables Dynamo { get; } = new();

    public RabbitMqVirtualHost Broker { get; } = new();

    public string VirtualHost => Broker.Name;

    public HostProcess Api { get; private set; } = null!;

    public HostProcess Processor { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public Dictionary<string, string> Environment { get; private set; } = null!;

    public const string QueueName = "email-events";

    public async Task InitializeAsync()
    {
        var servers = await RealServers.EnsureStartedAsync();
        await Task.WhenAll(Database.InitializeAsync(), Dynamo.InitializeAsync(), Broker.InitializeAsync());

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
        await Broker.DisposeAsync();
        await Database.DisposeAsync();
        await Dynamo.DisposeAsync();
    }

    /// <summary>Messages in a queue of this fixture's virtual host, ready and unacknowledged; -1 when it does not exist.</summary>
    public Task<int> QueueDepthAsync(string queue) => Broker.QueueDepthAsync(queue);

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
