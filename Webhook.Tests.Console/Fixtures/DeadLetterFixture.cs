using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Webhook.Api.Ingestion;
using Webhook.Console.Endpoints;
using Webhook.Messaging.DeadLetters;
using Webhook.Providers.Parsing;
using Webhook.Storage;
using Webhook.Testing;

namespace Webhook.Tests.Console.Fixtures;

/// <summary>
/// The whole system on the real servers (<see cref="RunningSystem"/>), with the console and its operator's key, and a Processor
/// that each test runs the way it needs: working, refusing every event for good (its statistics tables key events by
/// number, so DynamoDB answers every one with a ValidationException, a refusal of the event's own data), waiting out a
/// DynamoDB that does not answer (which is not the events' fault, so nothing is dead-lettered), or stopped.
/// A database, table prefix and RabbitMQ virtual host of its own, so it never meets another fixture.
/// </summary>
public sealed class DeadLetterFixture : IAsyncLifetime
{
    public const string ApiKey = "dead-letter-tests-admin-key-0123456789abcdef";
    public const string QueueName = RunningSystem.QueueName;
    public static readonly string ErrorQueueName = RunningSystem.ErrorQueueName;
    public const int DeliveryLimit = 3;

    RunningSystem? _system;

    public RunningSystem System => _system ?? throw new InvalidOperationException("Not initialized.");

    public IsolatedDatabase Database => System.Database;

    public IsolatedTables Dynamo => System.Dynamo;

    public VirtualHost Broker => System.Broker;

    public HostProcess Api => System.Api;

    /// <summary>The console, where the dead-letter endpoints are.</summary>
    public HostProcess Console => System.Console!;

    public HostProcess? Processor => System.Processors.FirstOrDefault();

    public ProcessorMode Mode { get; private set; } = ProcessorMode.Working;

    /// <summary>The collection's browser, for the operators' pages.</summary>
    public Browser Browser { get; } = new();

    /// <summary>Talks to the API as a provider does.</summary>
    public HttpClient Client => System.Client;

    /// <summary>Talks to the console as an operator does, with the operator's key.</summary>
    public HttpClient Admin { get; private set; } = null!;

    public Dictionary<string, string> Environment => System.Environment;

    public async Task InitializeAsync()
    {
        var launching = Browser.LaunchAsync();
        // The first Processor works: it migrates the database and declares the queues and the error queue's binding.
        _system = await RunningSystem.StartAsync(settings: new Dictionary<string, string>
        {
            ["Console__OperatorKey"] = ApiKey,
            ["Processor__RetryMinInterval"] = "00:00:00.050",
            ["Processor__RetryMaxInterval"] = "00:00:00.200",
        }, policy: new Dictionary<string, int> { ["delivery-limit"] = DeliveryLimit }, console: true);
        Admin = new HttpClient { BaseAddress = Console.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        Admin.DefaultRequestHeaders.Add(DeadLetterEndpoints.ApiKeyHeader, ApiKey);
        await launching;
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        await Browser.DisposeAsync();
        if (_system is not null)
            await _system.DisposeAsync();
    }

    /// <summary>Stops the running Processor (SIGTERM) and starts one that works, or fails, as asked.</summary>
    public async Task RunProcessorAsync(ProcessorMode mode)
    {
        await System.RemoveProcessorsAsync();
        Mode = mode;
        var overrides = new Dictionary<string, string>();
        switch (mode)
        {
            case ProcessorMode.Stopped:
                return;
            case ProcessorMode.FailingPermanently:
                overrides["Stats__TablePrefix"] = await RefusingTablesAsync();
                overrides["Stats__CreateTables"] = "false";
                break;
            case ProcessorMode.WaitingForDynamo:
                overrides["AWS__ServiceURL"] = "http://127.0.0.1:1";
                overrides["Stats__CreateTables"] = "false";
                break;
        }
        // A failing Processor is never ready (its statistics store does not answer), but it consumes.
        await System.AddProcessorAsync(overrides, mode == ProcessorMode.Working ? "/health/ready" : "/health/live");
    }

    string? _refusingPrefix;

    /// <summary>
    /// Statistics tables that refuse every event: their keys are numbers where the Processor writes text, which
    /// DynamoDB answers by cancelling the event's transaction for a ValidationError, as it answers data it will never
    /// take.
    /// </summary>
    async Task<string> RefusingTablesAsync()
    {
        if (_refusingPrefix is not null)
            return _refusingPrefix;
        var prefix = Dynamo.Prefix + "refusing-";
        var tables = new StatsTables(new StatsOptions { TablePrefix = prefix });
        await DynamoTable.EnsureCreatedAsync(Dynamo.Client, tables.Definitions().Select(Numbered), CancellationToken.None);
        return _refusingPrefix = prefix;

        static DynamoTable Numbered(DynamoTable table)
        {
            var definition = table.Definition;
            return table with
            {
                Definition = new CreateTableRequest
                {
                    TableName = definition.TableName,
                    BillingMode = definition.BillingMode,
                    KeySchema = definition.KeySchema,
                    AttributeDefinitions = definition.KeySchema.Select(k => new AttributeDefinition(k.AttributeName, ScalarAttributeType.N)).ToList(),
                },
            };
        }
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

    /// <summary>Waits until the Processor has settled every message of the main queue (<see cref="RunningSystem.SettleAsync"/>).</summary>
    public Task WaitForQueueDrainedAsync() => System.SettleAsync();

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

    /// <summary>Every event is refused for good (DynamoDB's ValidationException): straight to the dead letters, no retry.</summary>
    FailingPermanently,

    /// <summary>DynamoDB does not answer: not the events' fault, so they are retried until it does, none dead-lettered.</summary>
    WaitingForDynamo,
}

[CollectionDefinition(Name)]
public sealed class DeadLetterTestGroup : ICollectionFixture<DeadLetterFixture>
{
    public const string Name = "Dead letters on real servers";
}
