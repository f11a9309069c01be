using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Contracts;
using Webhook.Messaging;

namespace Webhook.Testing;

/// <summary>
/// The whole system on the run's real servers: Webhook.Api and Webhook.Processor replicas as separate processes (and,
/// when asked, Webhook.Console), with a database, statistics tables and a RabbitMQ virtual host of their own, so that
/// systems running side by side never meet. The first Processor migrates the database and creates the tables.
/// </summary>
public sealed class RunningSystem : IAsyncDisposable
{
    public const string QueueName = BrokerOptions.DefaultQueueName;
    public static readonly string ErrorQueueName = BrokerOptions.ErrorQueueNameOf(QueueName);
    public static readonly string SetAsideQueueName = BrokerOptions.SetAsideQueueNameOf(QueueName);

    RunningSystem(LocalServers servers, Dictionary<string, string> environment, IsolatedDatabase database, IsolatedTables dynamo, VirtualHost broker)
    {
        Servers = servers;
        Environment = environment;
        Database = database;
        Dynamo = dynamo;
        Broker = broker;
        // On a cluster profile the API replicas listen where the balancer sends, and providers talk to the balancer.
        if (servers.Balancer is { } balancer)
        {
            Apis.AddRange(balancer.ApiPorts.Select((port, i) => new HostProcess("Webhook.Api", environment, LogFile($"api-{i + 1}"), port: port)));
            Client = new HttpClient { BaseAddress = balancer.Url, Timeout = TimeSpan.FromSeconds(30) };
        }
        else
        {
            Apis.Add(new HostProcess("Webhook.Api", environment, LogFile("api")));
            Client = new HttpClient { BaseAddress = Apis[0].BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        }
    }

    public LocalServers Servers { get; }

    /// <summary>
    /// Where a host of this system writes everything it logs: under WEBHOOK_HOST_LOGS, when set (a directory per
    /// system, named after its database), else nowhere but the last lines in memory.
    /// </summary>
    string? LogFile(string host) =>
        System.Environment.GetEnvironmentVariable("WEBHOOK_HOST_LOGS") is { Length: > 0 } logs ? Path.Combine(logs, Database.Name, host + ".log") : null;

    public IsolatedDatabase Database { get; }

    public IsolatedTables Dynamo { get; }

    public VirtualHost Broker { get; }

    /// <summary>The settings every host of this system gets, as environment variables.</summary>
    public Dictionary<string, string> Environment { get; }

    /// <summary>The API: its only replica, or on a cluster profile the first of those behind the balancer.</summary>
    public HostProcess Api => Apis[0];

    /// <summary>Every API replica: one, or on a cluster profile one per backend of the balancer.</summary>
    public List<HostProcess> Apis { get; } = [];

    /// <summary>The people's console, when the system was started with one.</summary>
    public HostProcess? Console { get; private set; }

    public List<HostProcess> Processors { get; } = [];

    public HostProcess Processor => Processors[0];

    /// <summary>Talks to the API as a provider does (through the balancer on a cluster profile).</summary>
    public HttpClient Client { get; }

    /// <summary>The settings of a system whose stores are the ones given, on the run's servers.</summary>
    public static Dictionary<string, string> EnvironmentFor(LocalServers servers, IsolatedDatabase database, IsolatedTables dynamo, VirtualHost broker) =>
        new(servers.Settings.Where(s => s.Key != "WEBHOOK_PROFILE"))
        {
            ["ConnectionStrings__Postgres"] = database.ConnectionString,
            ["ConnectionStrings__RabbitMq"] = broker.Uri,
            ["Stats__TablePrefix"] = dynamo.Prefix,
        };

    /// <summary>
    /// Creates the stores, starts <paramref name="processors"/> Processor replicas (at least one: it migrates the
    /// database), then the API, then the console if <paramref name="console"/>. <paramref name="settings"/> are added to
    /// every host's settings.
    /// </summary>
    public static async Task<RunningSystem> StartAsync(int processors = 1, IDictionary<string, string>? settings = null,
        IReadOnlyDictionary<string, int>? policy = null, bool console = false) =>
        await StartOnAsync(await LocalServers.EnsureTestServersAsync(), processors, settings, policy, console);

    /// <summary>
    /// The system on the run's clustered servers: three RabbitMQ nodes, and the API replicas behind the load balancer
    /// (two), which <see cref="Client"/> talks to.
    /// </summary>
    public static async Task<RunningSystem> StartClusteredAsync(int processors = 2, IDictionary<string, string>? settings = null,
        IReadOnlyDictionary<string, int>? policy = null) =>
        await StartOnAsync(await LocalServers.EnsureClusterServersAsync(), processors, settings, policy);

    /// <param name="policy">Limits of the email queue's broker policy other than servers.sh's (max-length, delivery-limit).</param>
    /// <param name="console">Whether to run the console beside the API and the Processors.</param>
    public static async Task<RunningSystem> StartOnAsync(LocalServers servers, int processors = 1, IDictionary<string, string>? settings = null,
        IReadOnlyDictionary<string, int>? policy = null, bool console = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(processors, 1);
        var database = new IsolatedDatabase(servers);
        var dynamo = new IsolatedTables(servers);
        var broker = new VirtualHost(servers, policy: policy);
        await Task.WhenAll(database.CreateAsync(), broker.CreateAsync());

        var environment = EnvironmentFor(servers, database, dynamo, broker);
        environment["Webhooks__Email__Secret"] = Signing.TestSecret;
        environment["Processor__ConcurrencyLimit"] = "3";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            environment[key] = value;

        var system = new RunningSystem(servers, environment, database, dynamo, broker);
        try
        {
            for (var i = 0; i < processors; i++)
                await system.AddProcessorAsync();
            await Task.WhenAll(system.Apis.Select(api => api.StartAsync()));
            if (servers.Balancer is not null)
                await system.WaitUntilBalancedAsync();
            if (console)
            {
                system.Console = new HostProcess("Webhook.Console", environment, system.LogFile("console"));
                await system.Console.StartAsync();
            }
            return system;
        }
        catch
        {
            // A host that did not start must not leave the others running past the test, nor its stores behind.
            await system.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more Processor replica, with the system's settings and <paramref name="overrides"/>.</summary>
    public async Task<HostProcess> AddProcessorAsync(IDictionary<string, string>? overrides = null, string readinessPath = "/health/ready")
    {
        var environment = new Dictionary<string, string>(Environment);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
            environment[key] = value;
        var processor = new HostProcess("Webhook.Processor", environment, LogFile($"processor-{Processors.Count + 1}"), readinessPath);
        Processors.Add(processor);
        await processor.StartAsync();
        return processor;
    }

    /// <summary>Stops (SIGTERM) and forgets every Processor replica.</summary>
    public async Task RemoveProcessorsAsync()
    {
        foreach (var processor in Processors)
        {
            await processor.StopAsync();
            await processor.DisposeAsync();
        }
        Processors.Clear();
    }

    /// <summary>Waits until the balancer sends to every API replica (its health checks found them ready).</summary>
    public async Task WaitUntilBalancedAsync()
    {
        var ports = Apis.Select(a => a.Port).ToHashSet();
        var seen = new HashSet<int>();
        await WaitUntilAsync(async () =>
        {
            var state = await Servers.ScriptAsync("balancer-state");
            foreach (var line in state.Split('\n'))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && parts[1] == "UP" && int.TryParse(parts[0].Split(':')[^1], out var port))
                    seen.Add(port);
            }
            return ports.IsSubsetOf(seen);
        }, "the balancer sends to every API replica", TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        foreach (var api in Apis)
            await api.DisposeAsync();
        if (Console is not null)
            await Console.DisposeAsync();
        foreach (var processor in Processors)
            await processor.DisposeAsync();
        await Broker.DisposeAsync();
        await Database.DisposeAsync();
        await Dynamo.DisposeAsync();
    }

    /// <summary>Messages ready for delivery in a queue of this system's virtual host; 0 when it does not exist.</summary>
    public Task<uint> ReadyMessagesAsync(string queue) => Broker.ReadyMessagesAsync(queue);

    /// <summary>Events applied to PostgreSQL so far: the inbox holds one row per applied event.</summary>
    public Task<int> AppliedEventsAsync() => Database.AppliedEventsAsync();

    /// <summary>
    /// Waits until at least <paramref name="expected"/> events are applied. However slow the machine, it waits while the
    /// count rises, and fails (naming the count reached, with the Processor's output) only when it has not moved for
    /// <paramref name="stalledFor"/> (two minutes unless given).
    /// </summary>
    public async Task WaitUntilAppliedAsync(int expected, TimeSpan? stalledFor = null)
    {
        var stall = stalledFor ?? TimeSpan.FromMinutes(2);
        var last = -1;
        var movedAt = DateTime.UtcNow;
        int applied;
        while ((applied = await AppliedEventsAsync()) < expected)
        {
            if (applied != last)
                (last, movedAt) = (applied, DateTime.UtcNow);
            else if (DateTime.UtcNow - movedAt > stall)
                throw new TimeoutException($"Not reached: {expected} events applied; {applied} were, and none more for {stall.TotalSeconds:0} s.\nProcessor:\n{Processors.FirstOrDefault()?.RecentOutput}");
            await Task.Delay(200);
        }
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
    /// Waits until every event that reached the queue has been settled, a late duplicate included: stops every
    /// Processor replica gracefully (SIGTERM: the events in flight finish, whatever is unacknowledged goes back to the
    /// queue), then asks the queue itself how many messages are ready. None means nothing is left anywhere, and the
    /// replicas start again; otherwise they start again and work on until the queue is empty, and it looks again.
    /// </summary>
    /// <param name="startAgain">
    /// False leaves the replicas stopped once nothing is left: for a last look at the stores before the system is
    /// disposed, which would only stop them again.
    /// </param>
    public async Task SettleAsync(TimeSpan? timeout = null, bool startAgain = true)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(5));
        while (true)
        {
            await Task.WhenAll(Processors.Select(processor => processor.StopAsync()));
            var ready = await ReadyMessagesAsync(QueueName);
            if (ready == 0 && !startAgain)
                return;
            // One at a time, in order: the first to connect is the queue's single active consumer.
            foreach (var processor in Processors)
                await processor.StartAsync();
            if (ready == 0)
                return;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"{QueueName} still holds {ready} ready events.\nProcessor:\n{Processors.FirstOrDefault()?.RecentOutput}");
            await WaitUntilAsync(async () => await ReadyMessagesAsync(QueueName) == 0, $"{QueueName} worked through", left);
        }
    }

    /// <summary>A Processor's readiness report, as its /health/ready answers it (JSON: status, and each check's).</summary>
    public async Task<System.Text.Json.JsonElement> ReadinessAsync(HostProcess? host = null)
    {
        using var http = new HttpClient { BaseAddress = (host ?? Processor).BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
        return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>
    /// Waits until the Processor says consumption is paused, with at least <paramref name="failures"/> attempts
    /// failed: the definite sign that it waits for a failure that is not the events' own.
    /// </summary>
    public async Task<string> WaitUntilPausedAsync(int failures = 3, TimeSpan? timeout = null)
    {
        var description = "";
        await WaitUntilAsync(async () =>
        {
            var consumption = (await ReadinessAsync()).GetProperty("checks").GetProperty("consumption");
            description = consumption.GetProperty("description").GetString() ?? "";
            var failed = System.Text.RegularExpressions.Regex.Match(description, @"after (\d+) failed attempts");
            return consumption.GetProperty("status").GetString() == "Unhealthy" && failed.Success
                && int.Parse(failed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= failures;
        }, $"consumption paused after {failures} failed attempts (last: {description})", timeout);
        return description;
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
            x.UsingRabbitMq((_, cfg) => cfg.Host(new Uri(Broker.Uri)));
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

    /// <summary>
    /// The operators' queues (dead letters, set-aside events, the backlog) as the console registers them, configured
    /// as this system's hosts are.
    /// </summary>
    public ServiceProvider OperatorQueues()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(Environment.Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value)))
            .Build());
        services.AddLogging();
        services.AddOperatorQueues();
        return services.BuildServiceProvider();
    }

    /// <summary>Posts a signed Standard Webhooks request and returns the status code.</summary>
    public async Task<System.Net.HttpStatusCode> PostAsync(string body, string? webhookId = null)
    {
        using var response = await Client.SendAsync(Signing.StandardRequest(body, id: webhookId));
        return response.StatusCode;
    }
}
