using System.Text;
using Npgsql;
using Webhook.Contracts;
using Webhook.Testing;
using Xunit.Abstractions;

namespace Webhook.Tests.Faults;

/// <summary>
/// The fault suite: a stream of signed events through the running API and Processor (separate processes) while
/// something fails, then every store is checked. Every event that got a 2xx must be applied to PostgreSQL and counted
/// in DynamoDB exactly once; the sender retries everything else, like a provider. These tests stop and kill real
/// servers, so deploy/local/test.sh runs them alone, after the other tests (trait Category=Faults). One broker node
/// here; the clustered scenarios are in Webhook.Tests.Cluster.
/// </summary>
[Collection(FaultTestGroup.Name)]
[Trait("Category", "Faults")]
public class FaultTests(SingleNodeReport report, ITestOutputHelper output)
{
    static async Task ServersAsync(string command, string server)
    {
        await (await LocalServers.EnsureTestServersAsync()).ScriptAsync(command, server);
        // The test's own pooled connections did not survive a PostgreSQL restart either.
        if (server == "postgres")
            NpgsqlConnection.ClearAllPools();
    }

    async Task RunAsync(string scenario, RunningSystem system, Func<FaultContext, Task> fault, Func<RunningSystem, Task>? during = null,
        int expectedDeadLetters = 0, TimeSpan? streamFor = null)
    {
        var outcome = await FaultScenario.RunAsync(scenario, system, fault, during, streamFor);
        foreach (var line in report.Record(outcome))
            output.WriteLine(line);

        Assert.Equal(outcome.Sent, outcome.Acknowledged);
        Assert.Equal(0, outcome.Audit.Lost(outcome.Acknowledged));
        Assert.Equal(0, outcome.Audit.Duplicates);
        Assert.Equal(outcome.Acknowledged, outcome.Audit.DistinctApplied);
        Assert.Equal(outcome.Acknowledged, outcome.Audit.DistinctCounted);
        Assert.Equal(expectedDeadLetters, outcome.DeadLettered);
        Assert.InRange(outcome.PeakConcurrency, 1, Limit);
    }

    /// <summary>Processor:ConcurrencyLimit of every system here.</summary>
    const int Limit = 3;

    [Fact]
    public async Task Should_refuse_with_503_and_lose_nothing_when_rabbitmq_stops_and_starts_again()
    {
        await using var system = await RunningSystem.StartAsync();
        var down = DateTime.MinValue;
        var up = DateTime.MinValue;
        ProviderSender? seen = null;

        await RunAsync("RabbitMQ stopped and started", system, async fault =>
        {
            seen = fault.Sender;
            await ServersAsync("stop", "rabbitmq");
            down = DateTime.UtcNow;
            await Task.Delay(TimeSpan.FromSeconds(3));
            up = DateTime.UtcNow;
            await ServersAsync("start", "rabbitmq");
            fault.Ended("after RabbitMQ was back");
        }, streamFor: TimeSpan.FromSeconds(30)); // stopping and starting the broker takes about 15 s: the stream outlasts it

        Assert.Equal(0, seen!.AcknowledgedWithin(down, up));
        Assert.Contains(503, seen.StatusCounts.Keys);
    }

    [Fact]
    public async Task Should_wait_and_dead_letter_nothing_while_the_statistics_tables_are_missing()
    {
        await using var system = await RunningSystem.StartAsync();
        string? paused = null;

        // Dropped before the stream (so that the audit can count every event of it), created again in its middle:
        // a table that does not exist is not the events' fault, so the Processor waits, naming the cause.
        await system.Dynamo.DeleteAsync();
        await RunAsync("DynamoDB tables missing, then created again mid-stream", system, async fault =>
        {
            paused = await system.WaitUntilPausedAsync(failures: 3);
            await system.Dynamo.CreateAsync();
            fault.Ended("after the tables were back");
        });

        Assert.Contains("ResourceNotFound", paused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_lose_nothing_when_the_processor_is_killed_and_started_again()
    {
        await using var system = await RunningSystem.StartAsync();

        await RunAsync("Processor killed (SIGKILL) and started", system, async fault =>
        {
            await system.Processor.KillAsync();
            await Task.Delay(TimeSpan.FromSeconds(1));
            await system.Processor.StartAsync();
            fault.Ended("after the Processor was ready again");
        });
    }

    [Fact]
    public async Task Should_lose_nothing_when_the_api_is_killed_and_started_again()
    {
        await using var system = await RunningSystem.StartAsync();

        await RunAsync("API killed (SIGKILL) and started", system, async fault =>
        {
            await system.Api.KillAsync();
            await Task.Delay(TimeSpan.FromSeconds(1));
            await system.Api.StartAsync();
            fault.Ended("after the API was ready again");
        });
    }

    [Fact]
    public async Task Should_pause_and_complete_without_dead_letters_when_postgresql_stops_for_30_seconds()
    {
        await using var system = await RunningSystem.StartAsync();

        await RunAsync("PostgreSQL stopped for 30 s", system, async fault =>
        {
            await ServersAsync("stop", "postgres");
            await Task.Delay(TimeSpan.FromSeconds(30));
            await ServersAsync("start", "postgres");
            fault.Ended("after PostgreSQL was back");
        });
    }

    [Fact]
    public async Task Should_lose_nothing_when_dynamodb_stops_and_starts_again()
    {
        await using var system = await RunningSystem.StartAsync();

        await RunAsync("DynamoDB Local stopped and started (data on disk)", system, async fault =>
        {
            await ServersAsync("stop", "dynamodb");
            await Task.Delay(TimeSpan.FromSeconds(3));
            await ServersAsync("start", "dynamodb");
            fault.Ended("after DynamoDB was back");
        });
    }

    [Fact]
    public async Task Should_dead_letter_a_poison_event_with_its_reason_while_the_stream_flows_past()
    {
        await using var system = await RunningSystem.StartAsync();
        // DynamoDB refuses a partition key over 2048 bytes: this event can never be counted. (The Processor writes
        // both stores at once, so its PostgreSQL half, an unknown email of another type, commits; the audit counts
        // the stream's Opened events only.)
        var poison = new EmailEventReceived
        {
            EventId = Guid.NewGuid(),
            EmailId = new string('p', 3000),
            EventType = "bounce",
            OccurredAt = DateTimeOffset.UtcNow,
            ReceivedAt = DateTimeOffset.UtcNow,
            Provider = "test",
        };

        await RunAsync("Poison event in the stream", system, _ => system.PublishDirectlyAsync(poison), expectedDeadLetters: 1);

        var (messageId, headers) = Assert.Single(await system.Broker.PeekAsync(RunningSystem.ErrorQueueName));
        Assert.Equal(poison.EventId.ToString(), messageId);
        Assert.True(headers.ContainsKey("MT-Fault-ExceptionType"), "Headers: " + string.Join(", ", headers.Select(h => $"{h.Key}={Text(h.Value)}")));
        Assert.Equal("Webhook.Processor.Stats.StatisticsRejectedException", Text(headers["MT-Fault-ExceptionType"]));
        Assert.Contains($"DynamoDB refused event {poison.EventId} (ValidationException)", Text(headers["MT-Fault-Message"]), StringComparison.Ordinal);
        // A permanent failure is not retried: MassTransit writes a retry count only when there were retries.
        Assert.Equal("0", headers.TryGetValue("MT-Fault-RetryCount", out var retries) ? Text(retries) : "0");
    }

    [Fact]
    public async Task Should_lose_nothing_and_double_nothing_when_the_active_replica_of_two_is_killed()
    {
        await using var system = await RunningSystem.StartAsync(processors: 2);

        // The first replica to connect is the queue's single active consumer.
        await RunAsync("2 Processor replicas, the active one killed", system, async fault =>
        {
            await system.Processors[0].KillAsync();
            fault.Ended("after the kill");
        });
    }

    [Fact]
    public async Task Should_keep_an_event_waiting_for_its_retry_when_the_processor_restarts()
    {
        await using var system = await RunningSystem.StartAsync();

        await RunAsync("Processor killed while retrying (PostgreSQL down)", system, async fault =>
        {
            await ServersAsync("stop", "postgres");
            await Task.Delay(TimeSpan.FromSeconds(3));
            await system.Processor.KillAsync();
            await ServersAsync("start", "postgres");
            await system.Processor.StartAsync();
            fault.Ended("after the Processor was ready again");
        });
    }

    static string Text(object? header) => header switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        null => "",
        _ => header.ToString() ?? "",
    };
}

/// <summary>The single-node suite's table (<c>fault-suite.md</c>).</summary>
public sealed class SingleNodeReport() : FaultReport("fault-suite");

/// <summary>The fault suite's tests run one at a time, and share its report.</summary>
[CollectionDefinition(Name)]
public sealed class FaultTestGroup : ICollectionFixture<SingleNodeReport>
{
    public const string Name = "Faults on real servers";
}
