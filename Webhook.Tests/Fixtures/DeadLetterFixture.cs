using System.Net;
using System.Net.Http.Json;
using RabbitMQ.Client;
using Webhook.Api.DeadLetters;
using Webhook.Api.Endpoints;
using Webhook.Api.Ingestion;

namespace Webhook.Tests.Fixtures;

/// <summary>
/// The whole system on the real servers, as <see cref="PipelineFixture"/> runs it, with the admin endpoints on and a
/// Processor that each test runs the way it needs: working, failing every event for good (its statistics tables do
/// not exist, which DynamoDB answers with ResourceNotFound), failing every event transiently (DynamoDB unreachable),
/// or stopped. A database, table prefix and RabbitMQ virtual host of its own, so it never meets another fixture.
/// </summary>
public sealed class DeadLetterFixture : IAsyncLifetime
{
    public const string ApiKey = "dead-letter-tests-admin-key-0123456789abcdef";
    public const string QueueName = "email-events";
    public const string ErrorQueueName = "email-events_error";
    public const int DeliveryLimit = 3;
    public const int RetryLimit = 2;

    public PostgresDatabase Database { get; } = new();

    public DynamoTables Dynamo { get; } = new();

    public RabbitMqVirtualHost Broker { get; } = new();

    public HostProcess Api { get; private set; } = null!;

    public HostProcess? Processor { get; private set; }

    public ProcessorMode Mode { get; private set; } = ProcessorMode.Stopped;

    /// <summary>Talks to the API as a provider does.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>Talks to the API as an operator does, with the admin key.</summary>
    public HttpClient Admin { get; private set; } = null!;

    public Dictionary<string, string> Environment { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var servers = await RealServers.EnsureStartedAsync();
        await Task.WhenAll(Database.InitializeAsync(), Dynamo.InitializeAsync(), Broker.InitializeAsync());

        Environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = Database.ConnectionString,
            ["ConnectionStrings__RabbitMq"] = servers.RabbitMqFor(Broker.Name),
            ["AWS__ServiceURL"] = servers.DynamoServiceUrl,
            ["AWS__Region"] = "us-east-1",
            ["AWS_ACCESS_KEY_ID"] = "local",
            ["AWS_SECRET_ACCESS_KEY"] = "local",
            ["Stats__TablePrefix"] = Dynamo.Prefix,
            ["Webhooks__Email__Secret"] = Signing.TestSecret,
            ["Admin__ApiKey"] = ApiKey,
            ["Broker__DeliveryLimit"] = DeliveryLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Processor__RetryLimit"] = RetryLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Processor__RetryMinInterval"] = "00:00:00.050",
            ["Processor__RetryMaxInterval"] = "00:00:00.200",
        };
        Api = new HostProcess("Webhook.Api", Environment);
        await Api.StartAsync();
        Client = new HttpClient { BaseAddress = Api.BaseAddress };
        Admin = new HttpClient { BaseAddress = Api.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        Admin.DefaultRequestHeaders.Add(DeadLetterEndpoints.ApiKeyHeader, ApiKey);
        // The Processor declares the queues and the error queue's binding; then it waits for each test's mode.
        await RunProcessorAsync(ProcessorMode.Working);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        Admin?.Dispose();
        if (Api is not null)
            await Api.DisposeAsync();
        if (Processor is not null)
            await Processor.DisposeAsync();
        await Broker.DisposeAsync();
        await Database.DisposeAsync();
        await Dynamo.DisposeAsync();
    }

    /// <summary>Stops the running Processor (SIGTERM) and starts one that works, or fails, as asked.</summary>
    public async Task RunProcessorAsync(ProcessorMode mode)
    {
        if (Processor is not null)
        {
            await Processor.StopAsync();
            await Processor.DisposeAsync();
            Processor = null;
        }
        Mode = mode;
        if (mode == ProcessorMode.Stopped)
            return;

        var environment = new Dictionary<string, string>(Environment);
        switch (mode)
        {
            case ProcessorMode.FailingPermanently:
                environment["Stats__TablePrefix"] = "missing-" + Guid.NewGuid().ToString("N")[..8] + "-";
                environment["Stats__CreateTables"] = "false";
                break;
            case ProcessorMode.FailingTransiently:
                environment["AWS__ServiceURL"] = "http://127.0.0.1:1";
                environment["Stats__CreateTables"] = "false";
                break;
        }
        Processor = new HostProcess("Webhook.Processor", environment);
        // A failing Processor is never ready (its statistics store does not answer), but it consumes.
        await Processor.StartAsync(mode == ProcessorMode.Working ? "/health/ready" : "/health/live");
    }

    /// <summary>Empties both queues, so a test starts from nothing whatever the one before it left.</summary>
    public async Task ResetAsync(ProcessorMode mode)
    {
        await RunProcessorAsync(ProcessorMode.Stopped);
        await Broker.PurgeQueueAsync(QueueName);
        await Broker.PurgeQueueAsync(ErrorQueueName);
        await RunProcessorAsync(mode);
    }

    /// <summary>Posts a signed batch and returns the ids the API gave its events.</summary>
    public async Task<Guid[]> PostEventsAsync(params (string EmailId, string Type)[] events)
    {
        var body = "[" + string.Join(",", events.Select(e => $$"""{"emailId":"{{e.EmailId}}","eventType":"{{e.Type}}"}""")) + "]";
        using var response = await Client.SendAsync(Signing.StandardRequest(body));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AcceptedEvents>())!.EventIds;
    }

    /// <summary>Messages in the error queue, ready or held by an operation (rabbitmqctl: exact, but takes a while).</summary>
    public Task<int> DeadLetterCountAsync() => Broker.QueueDepthAsync(ErrorQueueName);

    /// <summary>Messages ready in the error queue, asked over AMQP: fast enough to watch an operation in progress.</summary>
    public Task<uint> ReadyDeadLetterCountAsync() => Broker.ReadyMessagesAsync(ErrorQueueName);

    public async Task WaitForDeadLettersAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        int depth;
        while ((depth = await DeadLetterCountAsync()) != count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{ErrorQueueName} holds {depth} messages, not {count}.\nProcessor:\n{Processor?.RecentOutput}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Waits until the Processor has settled every message of the main queue. rabbitmqctl's count of a quorum queue
    /// (ready and unacknowledged) is refreshed only every few seconds and can read 0 too early, so it must read 0,
    /// with nothing ready in the queue itself, for longer than one refresh.
    /// </summary>
    public async Task WaitForQueueDrainedAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        var emptySince = DateTime.MaxValue;
        while (true)
        {
            var empty = await Broker.QueueDepthAsync(QueueName) == 0 && await Broker.ReadyMessagesAsync(QueueName) == 0;
            emptySince = empty ? (emptySince == DateTime.MaxValue ? DateTime.UtcNow : emptySince) : DateTime.MaxValue;
            if (empty && DateTime.UtcNow - emptySince > TimeSpan.FromSeconds(6))
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{QueueName} still holds messages.\nProcessor:\n{Processor?.RecentOutput}");
            await Task.Delay(250);
        }
    }

    public async Task<DeadLetterList> ListAsync(int limit = 100)
    {
        using var response = await Admin.GetAsync($"{DeadLetterEndpoints.Route}?limit={limit}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<DeadLetterList>())!;
    }

    public async Task<DeadLetter> ShowAsync(Guid eventId)
    {
        using var response = await Admin.GetAsync($"{DeadLetterEndpoints.Route}/{eventId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<DeadLetter>())!;
    }

    /// <summary>POST /replay with the query given (e.g. "all=true&amp;rate=50"); fails the test unless it answers 200.</summary>
    public async Task<ReplayResult> ReplayAsync(string query)
    {
        using var response = await Admin.PostAsync($"{DeadLetterEndpoints.Route}/replay?{query}", null);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<ReplayResult>())!;
    }

    public async Task<PurgeResult> PurgeAsync(string query)
    {
        using var response = await Admin.DeleteAsync($"{DeadLetterEndpoints.Route}?{query}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<PurgeResult>())!;
    }
}

/// <summary>How the fixture's Processor treats the events it consumes.</summary>
public enum ProcessorMode
{
    Stopped,
    Working,

    /// <summary>Every event fails for good (a table that does not exist): straight to the dead letters, no retry.</summary>
    FailingPermanently,

    /// <summary>Every event fails transiently (DynamoDB unreachable): retried, then the dead letters.</summary>
    FailingTransiently,
}

[CollectionDefinition(Name)]
public sealed class DeadLetterTestGroup : ICollectionFixture<DeadLetterFixture>
{
    public const string Name = "Dead letters on real servers";
}
