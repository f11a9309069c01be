using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Messaging;
using Webhook.Messaging.SetAside;
using Webhook.Testing;
using Xunit.Abstractions;

namespace Webhook.Tests.Cluster;

/// <summary>
/// The fault suite on the clustered profile (deploy/local/servers.sh, WEBHOOK_PROFILE=test-cluster): three RabbitMQ
/// nodes holding the quorum queue, two API replicas behind HAProxy, two Processor replicas. A stream of signed events
/// goes through the balancer while nodes and replicas are killed, then every store is audited, as in the single-node
/// suite; besides, the most events worked on at once is measured inside PostgreSQL and must never pass the limit, and
/// the time until events are applied again after the fault is recorded.
/// </summary>
[Collection(ClusterTestGroup.Name)]
[Trait("Category", "Cluster")]
public class ClusterFaultTests(ClusterReport report, ITestOutputHelper output)
{
    /// <summary>Processor:ConcurrencyLimit of every system here.</summary>
    const int Limit = 3;

    /// <summary>Every node and the balancer running (a scenario before may have left one stopped), then the system.</summary>
    static async Task<(LocalServers Servers, RunningSystem System)> StartAsync()
    {
        var servers = await LocalServers.EnsureClusterServersAsync();
        await servers.StartAsync();
        return (servers, await RunningSystem.StartClusteredAsync(processors: 2));
    }

    async Task<FaultOutcome> RunAsync(string scenario, RunningSystem system, Func<FaultContext, Task> fault, TimeSpan? streamFor = null)
    {
        var outcome = await FaultScenario.RunAsync(scenario, system, fault, streamFor: streamFor);
        foreach (var line in report.Record(outcome))
            output.WriteLine(line);

        Assert.Equal(outcome.Sent, outcome.Acknowledged);
        Assert.Equal(0, outcome.Audit.Lost(outcome.Acknowledged));
        Assert.Equal(0, outcome.Audit.Duplicates);
        Assert.Equal(outcome.Acknowledged, outcome.Audit.DistinctApplied);
        Assert.Equal(outcome.Acknowledged, outcome.Audit.DistinctCounted);
        Assert.Equal(0, outcome.DeadLettered);
        Assert.InRange(outcome.PeakConcurrency, 1, Limit);
        return outcome;
    }

    [Fact]
    public async Task Should_lose_and_double_nothing_when_the_node_of_the_queue_leader_is_killed()
    {
        var (servers, started) = await StartAsync();
        await using var system = started;
        var leader = servers.ProcessOfNode(await system.Broker.LeaderAsync(RunningSystem.QueueName));

        await RunAsync($"Node of the quorum queue's leader ({leader}) SIGKILLed, then started", system, async fault =>
        {
            await servers.KillAsync(leader);
            fault.Ended("after the kill");
            await Task.Delay(TimeSpan.FromSeconds(5));
            await servers.StartAsync(default, leader);
        });

        Assert.NotEqual(leader, servers.ProcessOfNode(await system.Broker.LeaderAsync(RunningSystem.QueueName)));
    }

    [Fact]
    public async Task Should_keep_working_on_two_nodes_while_a_follower_is_stopped_for_30_seconds()
    {
        var (servers, started) = await StartAsync();
        await using var system = started;
        var leader = servers.ProcessOfNode(await system.Broker.LeaderAsync(RunningSystem.QueueName));
        var follower = servers.RabbitMqNodes.First(n => n != leader);

        await RunAsync($"Follower node ({follower}) stopped for 30 s", system, async fault =>
        {
            await servers.StopAsync(default, follower);
            fault.Ended("after the stop");
            await Task.Delay(TimeSpan.FromSeconds(30));
            await servers.StartAsync(default, follower);
        });
    }

    [Fact]
    public async Task Should_hold_the_concurrency_limit_when_the_node_of_the_active_processor_is_killed()
    {
        var (servers, started) = await StartAsync();
        await using var system = started;
        string? node = null;
        await system.WaitUntilAsync(async () => (node = await system.Broker.ActiveConsumerNodeAsync(RunningSystem.QueueName)) is not null,
            "an active consumer on the queue");
        var process = servers.ProcessOfNode(node!);

        // The active Processor loses its connection with its events in hand; the other one takes over at once, and
        // the database slots keep the two of them at the limit together.
        await RunAsync($"Node of the active Processor ({process}) SIGKILLed, then started", system, async fault =>
        {
            await servers.KillAsync(process);
            fault.Ended("after the kill");
            await Task.Delay(TimeSpan.FromSeconds(5));
            await servers.StartAsync(default, process);
        });
    }

    [Fact]
    public async Task Should_lose_nothing_when_an_api_replica_is_killed_behind_the_balancer()
    {
        var (_, started) = await StartAsync();
        await using var system = started;

        await RunAsync("API replica SIGKILLed behind the balancer, then started", system, async fault =>
        {
            await system.Apis[0].KillAsync();
            fault.Ended("after the kill");
            await Task.Delay(TimeSpan.FromSeconds(3));
            await system.Apis[0].StartAsync();
        });
    }

    [Fact]
    public async Task Should_take_events_on_every_replica_while_the_node_of_the_set_aside_queue_is_down()
    {
        var (servers, started) = await StartAsync();
        await using var system = started;
        var email = (await system.AddEmailsAsync(1))[0];
        var home = servers.ProcessOfNode(await system.Broker.HomeNodeAsync(RunningSystem.SetAsideQueueName));
        await using var operators = system.OperatorQueues();
        var setAside = operators.GetRequiredService<ISetAsideEvents>();
        var good = $$"""{"emailId":"{{email}}","eventType":"Opened"}""";
        var mixed = $$"""[{"emailId":"{{email}}","eventType":"Opened"},{"emailId":"{{email}}","eventType":"Bounced"}]""";

        // The set-aside queue is a classic queue, on one node; the events' quorum queue goes on without it. Every host
        // connects again while that node is down, as after a failover: each API replica must still take events.
        await servers.StopAsync(default, home);
        try
        {
            await system.Broker.CloseConnectionsAsync("closed by the test while the set-aside queue's node is down");
            for (var i = 0; i < system.Apis.Count; i++)
            {
                var api = system.Apis[i];
                await system.WaitUntilAsync(async () => (await system.ReadinessAsync(api)).GetProperty("status").GetString() == "Degraded",
                    $"{api.Name} ready without the set-aside queue", TimeSpan.FromSeconds(60));
                Assert.Equal(HttpStatusCode.Accepted, await PostAsync(api, good, $"good-{i}"));
                // An event to set aside cannot be stored meanwhile: nothing of that request is acknowledged.
                Assert.Equal(HttpStatusCode.ServiceUnavailable, await PostAsync(api, mixed, $"mixed-{i}"));
            }
            // The operators' tools say the queue cannot be read, not that it is empty.
            await Assert.ThrowsAsync<BrokerUnavailableException>(() => setAside.ListAsync(0, 10, CancellationToken.None));
        }
        finally
        {
            await servers.StartAsync(default, home);
        }

        // Once the node is back, the replicas declare the set-aside queue again by themselves, and the provider's retry
        // of each refused request is taken whole.
        for (var i = 0; i < system.Apis.Count; i++)
        {
            var api = system.Apis[i];
            await system.WaitUntilAsync(async () => (await system.ReadinessAsync(api)).GetProperty("status").GetString() == "Healthy",
                $"{api.Name} healthy again", TimeSpan.FromSeconds(60));
            Assert.Equal(HttpStatusCode.Accepted, await PostAsync(api, mixed, $"mixed-{i}"));
        }
        await system.WaitUntilAppliedAsync(2 * system.Apis.Count);
        await system.SettleAsync();
        Assert.Equal(2 * system.Apis.Count, await system.AppliedEventsAsync());
        Assert.Equal((uint)system.Apis.Count, await system.ReadyMessagesAsync(RunningSystem.SetAsideQueueName));
        Assert.Equal(system.Apis.Count, (await setAside.ListAsync(0, 10, CancellationToken.None)).Total);
    }

    static async Task<HttpStatusCode> PostAsync(HostProcess api, string body, string webhookId)
    {
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.SendAsync(Signing.StandardRequest(body, id: webhookId));
        return response.StatusCode;
    }

    [Fact]
    public async Task Should_answer_503_and_never_2xx_while_the_queue_has_no_quorum_and_resume_when_a_node_returns()
    {
        var (servers, started) = await StartAsync();
        await using var system = started;
        var leader = servers.ProcessOfNode(await system.Broker.LeaderAsync(RunningSystem.QueueName));
        var follower = servers.RabbitMqNodes.First(n => n != leader);
        var down = DateTime.MaxValue;
        var up = DateTime.MinValue;
        ProviderSender? seen = null;

        await RunAsync($"Two nodes ({leader}, {follower}) SIGKILLed: no quorum for 10 s", system, async fault =>
        {
            seen = fault.Sender;
            await Task.WhenAll(servers.KillAsync(leader), servers.KillAsync(follower));
            down = DateTime.UtcNow;
            await Task.Delay(TimeSpan.FromSeconds(10));
            up = DateTime.UtcNow;
            await servers.StartAsync(default, follower);
            fault.Ended("after a second node was back");
            await servers.StartAsync(default, leader);
        }, streamFor: TimeSpan.FromSeconds(30)); // the stream outlasts the 10 s without quorum and the node's restart

        output.WriteLine($"Without quorum from {down:O} to {up:O}: {seen!.Attempts.Count(a => a.StartedAt > down && a.EndedAt < up)} attempts, none acknowledged.");
        Assert.Equal(0, seen.AcknowledgedWithin(down, up));
        Assert.Contains(503, seen.StatusCounts.Keys);
    }
}

/// <summary>The clustered suite's table (<c>cluster-fault-suite.md</c>, beside the single-node one).</summary>
public sealed class ClusterReport() : FaultReport("cluster-fault-suite");

/// <summary>The clustered scenarios run one at a time, and share their report.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterTestGroup : ICollectionFixture<ClusterReport>
{
    public const string Name = "Faults on the clustered servers";
}
