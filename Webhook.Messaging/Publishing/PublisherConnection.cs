using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Webhook.Contracts;

namespace Webhook.Messaging.Publishing;

/// <summary>
/// The publishing connection of the intake: kept open in the background from the start of the host, to one node of
/// the cluster after another, and opened again soon after it is lost (waits of <see cref="BrokerReconnection.FirstWait"/>
/// growing to <see cref="BrokerReconnection.LongestWait"/>, without end). On each connection it first declares what a
/// publish needs to be routed (the exchanges, the events' queue as the Processor declares it, the set-aside queue and
/// their bindings: RabbitMQ confirms a message no queue is bound to, and drops it), then opens its publishing channels,
/// with publisher confirms. A channel the broker closes takes the connection with it, so that it all starts again
/// from a fresh declaration.
/// <para>
/// The events' queue is a quorum queue, there while a majority of the cluster's nodes is; the set-aside queue is a
/// classic one, which lives on one node and cannot be declared, nor take a message, while that node is down. So only
/// the events' declaration is a condition of the connection: without the set-aside queue the replica still publishes
/// events, its readiness says it is degraded, a request with an event to set aside is answered 503 (that event could
/// not be stored), and the declaration is tried again every few seconds until it succeeds.
/// </para>
/// </summary>
public sealed partial class PublisherConnection : IAsyncDisposable
{
    /// <summary>The publisher's meter: whether its connection is open, and how many it has opened.</summary>
    public const string MeterName = "Webhook.Messaging";

    /// <summary>1 while the publishing connection is open, else 0: a replica at 0 answers every webhook 503.</summary>
    public const string ConnectedInstrument = "webhook.broker.connected";

    /// <summary>Connections opened since the process started: each one past the first is a connection lost and found again.</summary>
    public const string ConnectionsOpenedInstrument = "webhook.broker.connections_opened";

    /// <summary>
    /// Channels publishes are spread over. Each channel orders its frames and its confirms; two let one request's
    /// publishes go out while another's confirms come back.
    /// </summary>
    public const int Channels = 2;

    /// <summary>How long the declarations of a new connection may take before it is given up and tried again.</summary>
    static readonly TimeSpan DeclarationTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How often the set-aside queue's declaration is tried again while it fails (its node is down); LogSetAsideNotDeclared says it.</summary>
    static readonly TimeSpan SetAsideRetryInterval = TimeSpan.FromSeconds(5);

    readonly IOptions<BrokerConnectionOptions> _options;
    readonly IOptions<BrokerOptions> _broker;
    readonly TimeProvider _time;
    readonly ILogger<PublisherConnection> _logger;

    TaskCompletionSource<Link> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    Link? _current;
    string _state = "not connected yet";
    volatile string? _setAsideProblem;

    int _opened;

    public PublisherConnection(
        IOptions<BrokerConnectionOptions> options,
        IOptions<BrokerOptions> broker,
        TimeProvider time,
        ILogger<PublisherConnection> logger,
        IMeterFactory meterFactory)
    {
        _options = options;
        _broker = broker;
        _time = time;
        _logger = logger;
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge(ConnectedInstrument, () => Status.Open ? 1 : 0, "{connection}",
            "1 while the publishing connection to the broker is open, else 0.");
        meter.CreateObservableCounter(ConnectionsOpenedInstrument, () => (long)ConnectionsOpened, "{connection}",
            "Publishing connections opened since the process started; more than one means the broker was lost and found again.");
    }

    /// <summary>Connections opened in the life of the process: one, unless the broker was lost and found again.</summary>
    public int ConnectionsOpened => Volatile.Read(ref _opened);

    /// <summary>Whether a connection is open, with its channels, and why not.</summary>
    public (bool Open, string State) Status => _current is { IsOpen: true } ? (true, _state) : (false, _state);

    /// <summary>
    /// Why the set-aside queue could not be declared on the open connection (its node is down, say), or null when it
    /// was: events are published either way, events to set aside only when it was.
    /// </summary>
    public string? SetAsideProblem => _setAsideProblem;

    /// <summary>
    /// A publishing channel of the open connection; while there is none, waits for the next until
    /// <paramref name="cancellationToken"/> (the request's publish timeout) gives up.
    /// </summary>
    public ValueTask<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        var link = Volatile.Read(ref _current);
        return link is { IsOpen: true } ? ValueTask.FromResult(link.NextChannel()) : WaitForChannelAsync(cancellationToken);
    }

    async ValueTask<IChannel> WaitForChannelAsync(CancellationToken cancellationToken)
    {
        var link = await Volatile.Read(ref _next).Task.WaitAsync(cancellationToken);
        return link.NextChannel();
    }

    /// <summary>
    /// Declares the exchanges, queues and bindings again on the open connection: a message came back unroutable, so the
    /// queue or its binding is gone (an operator deleted it) and only a new declaration routes messages again. The
    /// publishing channels stay open, so the other publishes in flight on them are confirmed as before. One declaration
    /// at a time: the returns that come while it runs share it. If it fails, the connection is closed and opened again,
    /// which declares everything anew.
    /// </summary>
    public void DeclareAgain(string reason)
    {
        if (Volatile.Read(ref _current) is { IsOpen: true } link)
            link.DeclareOnce(() => DeclareAgainAsync(link, reason));
    }

    async Task DeclareAgainAsync(Link link, string reason)
    {
        try
        {
            using var declaring = new CancellationTokenSource(DeclarationTimeout);
            await DeclareEventsAsync(link.Connection, _broker.Value, declaring.Token);
        }
        catch (Exception ex)
        {
            link.Close($"{reason}; declaring again failed: {ex.Message}");
            return;
        }
        if (await TryDeclareSetAsideAsync(link))
            LogDeclaredAgain(_logger, link.Endpoint, reason);
    }

    /// <summary>
    /// Declares the set-aside queue on a channel of its own (a refusal closes the channel it came on), and records
    /// whether it could: false while the node that holds it is down.
    /// </summary>
    async Task<bool> TryDeclareSetAsideAsync(Link link)
    {
        try
        {
            using var declaring = new CancellationTokenSource(DeclarationTimeout);
            await DeclareSetAsideAsync(link.Connection, _broker.Value, declaring.Token);
            if (_setAsideProblem is not null)
                LogSetAsideDeclared(_logger, link.Endpoint);
            _setAsideProblem = null;
            return true;
        }
        catch (Exception ex) when (link.IsOpen)
        {
            if (_setAsideProblem is null)
                LogSetAsideNotDeclared(_logger, link.Endpoint, ex.Message);
            _setAsideProblem = ex.Message;
            return false;
        }
    }

    /// <summary>Connects, and connects again whenever the connection is lost, until <paramref name="stopping"/>.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var wait = BrokerReconnection.FirstWait;
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            Link? link = null;
            try
            {
                link = await OpenAsync(stopping);
                await TryDeclareSetAsideAsync(link);
                failures = 0;
                wait = BrokerReconnection.FirstWait;
                _state = $"connected to {link.Endpoint}";
                LogConnected(_logger, link.Endpoint);
                Volatile.Write(ref _current, link);
                Interlocked.Increment(ref _opened);
                Volatile.Read(ref _next).TrySetResult(link);
                var reason = await WhileOpenAsync(link, stopping);
                _state = $"lost the connection to {link.Endpoint}: {reason}";
                LogLost(_logger, link.Endpoint, reason);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Each failure of an outage is logged once at warning, the rest at debug: the API retries every second.
                _state = $"cannot connect: {ex.Message}";
                if (++failures == 1)
                    LogCannotConnect(_logger, ex, ex.Message);
                else
                    LogStillCannotConnect(_logger, failures, ex.Message);
            }
            finally
            {
                if (link is not null)
                {
                    // Waiters from now on wait for the next connection; the one lost is no longer handed out.
                    if (ReferenceEquals(Volatile.Read(ref _current), link))
                    {
                        Volatile.Write(ref _next, new TaskCompletionSource<Link>(TaskCreationOptions.RunContinuationsAsynchronously));
                        Volatile.Write(ref _current, null);
                    }
                    await link.DisposeAsync();
                }
            }

            try
            {
                await Task.Delay(wait, _time, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, BrokerReconnection.LongestWait.Ticks));
        }
    }

    /// <summary>Waits until the connection is lost, declaring the set-aside queue again meanwhile while it is missing.</summary>
    async Task<string> WhileOpenAsync(Link link, CancellationToken stopping)
    {
        while (true)
        {
            var checkAgain = _setAsideProblem is null ? Timeout.InfiniteTimeSpan : SetAsideRetryInterval;
            try
            {
                return await link.Closed.WaitAsync(checkAgain, _time, stopping);
            }
            catch (TimeoutException)
            {
                link.DeclareOnce(() => TryDeclareSetAsideAsync(link));
            }
        }
    }

    async Task<Link> OpenAsync(CancellationToken stopping)
    {
        var factory = new ConnectionFactory
        {
            Uri = _options.Value.ToUri(),
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedHeartbeat = BrokerTransport.Heartbeat,
            RequestedConnectionTimeout = BrokerTransport.ConnectTimeout,
            ClientProvidedName = AppDomain.CurrentDomain.FriendlyName,
        };
        // Every node of the cluster, in an order of this attempt's own, so that replicas spread over the nodes.
        var nodes = _broker.Value.Nodes.Select(n => new AmqpTcpEndpoint(n.Host, n.Port ?? factory.Port, factory.Ssl))
            .OrderBy(_ => Random.Shared.Next()).ToList();
        var connection = nodes.Count > 0
            ? await factory.CreateConnectionAsync(nodes, stopping)
            : await factory.CreateConnectionAsync(stopping);
        var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, e) =>
        {
            closed.TrySetResult(Describe(e));
            return Task.CompletedTask;
        };
        try
        {
            using var declaring = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            declaring.CancelAfter(DeclarationTimeout);
            await DeclareEventsAsync(connection, _broker.Value, declaring.Token);
            var channels = new IChannel[Channels];
            for (var i = 0; i < channels.Length; i++)
            {
                channels[i] = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), declaring.Token);
                channels[i].ChannelShutdownAsync += (_, e) =>
                {
                    closed.TrySetResult($"a publishing channel was closed: {Describe(e)}");
                    return Task.CompletedTask;
                };
            }
            return new Link(connection, channels, closed, $"{connection.Endpoint.HostName}:{connection.Endpoint.Port}");
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Where the intake publishes events, declared as the Processor's MassTransit endpoint declares it.</summary>
    static async Task DeclareEventsAsync(IConnection connection, BrokerOptions broker, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var events = BrokerTransport.ExchangeOf<EmailEventReceived>();
        await channel.ExchangeDeclareAsync(events, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(broker.QueueName, durable: true, exclusive: false, autoDelete: false,
            arguments: BrokerTransport.MainQueueArgumentsOf(broker), cancellationToken: cancellationToken);
        await channel.QueueBindAsync(broker.QueueName, events, routingKey: "", cancellationToken: cancellationToken);
        await channel.CloseAsync(cancellationToken);
    }

    /// <summary>Where the intake publishes the events it sets aside, as the Processor's bus declares it.</summary>
    static async Task DeclareSetAsideAsync(IConnection connection, BrokerOptions broker, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var setAside = BrokerTransport.ExchangeOf<EmailEventSetAside>();
        await channel.ExchangeDeclareAsync(setAside, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(broker.SetAsideQueueName, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(broker.SetAsideQueueName, setAside, routingKey: "", cancellationToken: cancellationToken);
        await channel.CloseAsync(cancellationToken);
    }

    static string Describe(ShutdownEventArgs e) =>
        e.Exception is { } ex ? $"{e.ReplyCode} {e.ReplyText} ({ex.Message})" : $"{e.ReplyCode} {e.ReplyText}";

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _current, null) is { } link)
            await link.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing to the broker at {Endpoint}")]
    static partial void LogConnected(ILogger logger, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the publishing connection to {Endpoint} ({Reason}); connecting again")]
    static partial void LogLost(ILogger logger, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Declared the queues and exchanges again on {Endpoint}: {Reason}")]
    static partial void LogDeclaredAgain(ILogger logger, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The set-aside queue cannot be declared on {Endpoint} ({Reason}): events are published, a request with an event to set aside is answered 503, and the declaration is tried again every 5 seconds")]
    static partial void LogSetAsideNotDeclared(ILogger logger, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The set-aside queue is declared on {Endpoint} again: events to set aside are taken")]
    static partial void LogSetAsideDeclared(ILogger logger, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot connect to the broker to publish ({Reason}); trying again every second")]
    static partial void LogCannotConnect(ILogger logger, Exception exception, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Still cannot connect to the broker to publish, attempt {Attempt} ({Reason})")]
    static partial void LogStillCannotConnect(ILogger logger, int attempt, string reason);

    /// <summary>One open connection, its publishing channels, and what closes when either is lost.</summary>
    sealed class Link(IConnection connection, IChannel[] channels, TaskCompletionSource<string> closed, string endpoint) : IAsyncDisposable
    {
        readonly Lock _gate = new();
        int _turn;
        Task _declaring = Task.CompletedTask;

        public IConnection Connection => connection;

        public Task<string> Closed => closed.Task;

        /// <summary>Starts <paramref name="declare"/> unless a declaration of this connection is still running.</summary>
        public void DeclareOnce(Func<Task> declare)
        {
            lock (_gate)
            {
                if (_declaring.IsCompleted)
                    _declaring = declare();
            }
        }

        public void Close(string reason) => closed.TrySetResult(reason);

        public string Endpoint => endpoint;

        public bool IsOpen => !closed.Task.IsCompleted;

        public IChannel NextChannel() => channels[(int)((uint)Interlocked.Increment(ref _turn) % (uint)channels.Length)];

        public async ValueTask DisposeAsync()
        {
            try
            {
                await connection.CloseAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex) when (OperatorConnection.IsBrokerFailure(ex))
            {
                // Already gone.
            }
            foreach (var channel in channels)
                await channel.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}

/// <summary>Starts and stops the <see cref="PublisherConnection"/> with the host; the host starts without waiting for the broker.</summary>
public sealed class PublisherConnectionService(PublisherConnection connection) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => connection.RunAsync(stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await connection.DisposeAsync();
    }
}

/// <summary>Ready while the publishing connection is open: a replica without it answers every webhook 503.</summary>
public sealed class PublisherConnectionHealthCheck(PublisherConnection connection) : IHealthCheck
{
    public const string Name = "broker";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (open, state) = connection.Status;
        if (!open)
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, $"RabbitMQ: {state}"));
        // Degraded is still ready (200): the replica takes events, and only those to set aside wait for the queue.
        return Task.FromResult(connection.SetAsideProblem is { } problem
            ? HealthCheckResult.Degraded($"RabbitMQ: {state}; the set-aside queue cannot be declared, so requests with an event to set aside are answered 503: {problem}")
            : HealthCheckResult.Healthy($"RabbitMQ: {state}"));
    }
}
