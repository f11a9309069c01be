using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using RabbitMQ.Client;
using Webhook.Contracts;

namespace Webhook.Tests.Fixtures;

/// <summary>
/// The whole system on the real servers: Webhook.Api and one or more Webhook.Processor replicas as separate
/// processes, with a database, statistics tables and a RabbitMQ virtual host of their own.
/// </summary>
public sealed class RunningSystem : IAsyncDisposable
{
    public const string QueueName = "email-events";
    public const string ErrorQueueName = "email-events_error";

    RunningSystem(Dictionary<string, string> environment, PostgresDatabase database, DynamoTables dynamo, RabbitMqVirtualHost broker)
    {
        Environment = environment;
        Database = database;
        Dynamo = dynamo;
        Broker = broker;
        Api = new HostProcess("Webhook.Api", environment);
        Client = new HttpClient { BaseAddress = Api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public PostgresDatabase Database { get; }

    public DynamoTables Dynamo { get; }

    public RabbitMqVirtualHost Broker { get; }

    public Dictionary<string, string> Environment { get; }

    public HostProcess Api { get; }

    public List<HostProcess> Processors { get; } = [];

    public HostProcess Processor => Processors[0];

    public HttpClient Client { get; }

    /// <summary>Creates the stores and starts the API and <paramref name="processors"/> Processor replicas.</summary>
    public static async Task<RunningSystem> StartAsync(int processors = 1, IDictionary<string, string>? settings = null)
    {
        var servers = await RealServers.EnsureStartedAsync();
        var database = new PostgresDatabase();
        var dynamo = new DynamoTables();
        var broker = new RabbitMqVirtualHost();
        await Task.WhenAll(database.InitializeAsync(), dynamo.InitializeAsync(), broker.InitializeAsync());

        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = database.ConnectionString,
            ["ConnectionStrings__RabbitMq"] = servers.RabbitMqFor(broker.Name),
            ["AWS__ServiceURL"] = servers.DynamoServiceUrl,
            ["AWS__Region"] = "us-east-1",
            ["AWS_ACCESS_KEY_ID"] = "local",
            ["AWS_SECRET_ACCESS_KEY"] = "local",
            ["Stats__TablePrefix"] = dynamo.Prefix,
            ["Webhooks__Email__Secret"] = Signing.TestSecret,
            ["Processor__ConcurrencyLimit"] = "3",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            environment[key] = value;

        var system = new RunningSystem(environment, database, dynamo, broker);
        for (var i = 0; i < processors; i++)
            await system.AddProcessorAsync();
        await system.Api.StartAsync();
        return system;
    }

    /// <summary>Starts one more Processor replica.</summary>
    public async Task<HostProcess> AddProcessorAsync()
    {
        var processor = new HostProcess("Webhook.Processor", Environment);
        Processors.Add(processor);
        await processor.StartAsync();
        return processor;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Api.DisposeAsync();
        foreach (var processor in Processors)
            await processor.DisposeAsync();
        await Broker.DisposeAsync();
        await Database.DisposeAsync();
        await Dynamo.DisposeAsync();
    }

    /// <summary>Messages ready for delivery in a queue of this system's virtual host; 0 when it does not exist.</summary>
    public Task<uint> ReadyMessagesAsync(string queue) => Broker.ReadyMessagesAsync(queue);

    /// <summary>Events applied to PostgreSQL so far: the inbox holds one row per applied event.</summary>
    public async Task<int> AppliedEventsAsync()
    {
        await using var db = Database.CreateContext();
        return await db.InboxMessages.CountAsync();
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling; fails with the Processor's output when it never does.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Not reached in time: {what}.\nProcessor:\n{Processors.FirstOrDefault()?.RecentOutput}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Waits until the Processor is idle: nothing ready in the queue and no new event applied for a while, long enough
    /// for a duplicate still in flight to have been processed (and changed nothing).
    /// </summary>
    public async Task SettleAsync(TimeSpan? quiet = null)
    {
        var window = quiet ?? TimeSpan.FromSeconds(1.5);
        var last = -1;
        var stableSince = DateTime.UtcNow;
        await WaitUntilAsync(async () =>
        {
            var applied = await AppliedEventsAsync();
            if (applied != last || await ReadyMessagesAsync(QueueName) > 0)
            {
                last = applied;
                stableSince = DateTime.UtcNow;
                return false;
            }
            return DateTime.UtcNow - stableSince >= window;
        }, "the Processor settles", TimeSpan.FromMinutes(5));
    }

    /// <summary>Emails for a stream: each shows one product, so one Opened event adds exactly one view.</summary>
    public async Task<string[]> AddEmailsAsync(int count) =>
        (await Task.WhenAll(Enumerable.Range(0, count).Select(_ => Database.AddEmailAsync(productCount: 1)))).Select(e => e.EmailId).ToArray();

    /// <summary>Publishes straight to the broker, bypassing the API, as another publisher or a redelivery would.</summary>
    public async Task PublishDirectlyAsync(params EmailEventReceived[] messages)
    {
        var services = new ServiceCollection();
        services.AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            x.UsingRabbitMq((_, cfg) => cfg.Host(new Uri(Environment["ConnectionStrings__RabbitMq"])));
        });
        await using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        try
        {
            foreach (var message in messages)
                await bus.Publish(message, c => c.MessageId = message.EventId);
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    /// <summary>The ids and headers of the messages in a queue, read without taking them (they are put back).</summary>
    public async Task<List<(string? MessageId, IDictionary<string, object?> Headers)>> PeekAsync(string queue)
    {
        var factory = new ConnectionFactory { Uri = new Uri(Environment["ConnectionStrings__RabbitMq"]) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var messages = new List<(string?, IDictionary<string, object?>)>();
        while (await channel.BasicGetAsync(queue, autoAck: false) is { } result)
            messages.Add((result.BasicProperties.MessageId, result.BasicProperties.Headers ?? new Dictionary<string, object?>()));
        // Closing the channel puts every unacknowledged message back.
        return messages;
    }

    /// <summary>Posts a signed Standard Webhooks request and returns the status code.</summary>
    public async Task<System.Net.HttpStatusCode> PostAsync(string body, string? webhookId = null)
    {
        using var response = await Client.SendAsync(Signing.StandardRequest(body, id: webhookId));
        return response.StatusCode;
    }
}
