using System.Net;
using System.Net.Sockets;
using Webhook.Messaging;
using Webhook.Testing;

namespace Webhook.Tests.System.Deploy;

/// <summary>
/// deploy/local/servers.sh as an operator runs it, on a state dir and ports of the test's own (WEBHOOK_STATE_DIR,
/// WEBHOOK_PORT_BASE), so the test run's servers are never touched.
/// </summary>
public sealed class ServersScriptTests : IAsyncLifetime
{
    // Apart from the profiles' bases (25000 to 29000), and, like them, below Linux's ephemeral ports (32768 and up).
    const int PortBase = 24000;
    readonly string _state = Path.Combine(Path.GetTempPath(), "webhook-servers-test-" + Guid.NewGuid().ToString("N")[..8]);
    LocalServers _servers = null!;

    public Task InitializeAsync()
    {
        _servers = new LocalServers("test", _state, PortBase);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _servers.StopAsync();
        Directory.Delete(_state, recursive: true);
    }

    [Fact]
    public async Task Should_stop_what_it_started_and_say_what_failed_when_a_start_fails_part_way()
    {
        // DynamoDB Local starts last: its port is taken by something the script did not start.
        var dynamoPort = PortBase + 800;
        using (var squatter = new TcpListener(IPAddress.Loopback, dynamoPort))
        {
            squatter.Start();

            var failed = await Command.TryRunAsync("bash", [Repository.ServersScript, "start"], _servers.ScriptEnvironment);

            Assert.NotEqual(0, failed.ExitCode);
            // The script's whole output on failure: xunit would show only the start of it.
            Assert.True(failed.Errors.Contains($"port {dynamoPort} (dynamodb) is already taken", StringComparison.Ordinal), failed.Errors);
            Assert.True(failed.Errors.Contains("stopping what this start had started: rabbitmq postgres", StringComparison.Ordinal), failed.Errors);
            var after = await _servers.DescribeAsync();
            Assert.All(after.Processes, p => Assert.Null(p.Pid));
        }

        // Nothing of the failed start is left in the way of the next one.
        await _servers.StartAsync();
        Assert.All(_servers.Description.Processes, p => Assert.NotNull(p.Pid));
        Assert.Equal(PortBase + 432, _servers.Description.Processes.Single(p => p.Name == "postgres").Ports["postgres"]);
    }

    [Fact]
    public async Task Should_run_the_broker_with_the_settings_of_deploy_rabbitmq()
    {
        var walBytes = Repository.ReadBrokerSettings()["raft.wal_max_size_bytes"];
        // The test run's broker, which servers.sh started like any other: the setting is read from its running node.
        var servers = await LocalServers.EnsureTestServersAsync();

        var running = await servers.RabbitMqCtlAsync("eval", "application:get_env(ra, wal_max_size_bytes).");

        Assert.Contains($"{{ok,{walBytes}}}", running, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_apply_the_queue_policy_the_code_states()
    {
        var described = await _servers.DescribeAsync();

        var policy = Assert.IsType<ServerPolicy>(described.Policy);
        Assert.Equal(QueuePolicy.Name, policy.Name);
        Assert.Equal(QueuePolicy.Pattern(BrokerOptions.DefaultQueueName), policy.Pattern);
        Assert.Equal(QueuePolicy.MaxLength, policy.Definition["max-length"]);
        Assert.Equal(QueuePolicy.DeliveryLimit, policy.Definition["delivery-limit"]);
    }
}
