using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Webhook.Messaging.DeadLetters;

/// <summary>
/// Declares the error exchange, the error queue and their binding as soon as the broker lets it, beside consumption
/// rather than before it. The broker's own dead-lettering (the delivery limit) needs them to exist before the first
/// fault has made MassTransit create them; but the error queue is a classic queue, which lives on one node, and
/// declaring it fails while that node is down: declared by the receive endpoint, it would stop consumption until that
/// node is back, however many nodes still hold the events' quorum queue. Declared as MassTransit declares them (a
/// durable fanout exchange and a durable queue without arguments), so the two never disagree.
/// </summary>
public sealed partial class ErrorQueueDeclaration(OperatorConnection connection, IOptions<BrokerOptions> broker, ILogger<ErrorQueueDeclaration> logger)
    : BackgroundService
{
    static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var name = broker.Value.ErrorQueueName;
        var wait = TimeSpan.FromMilliseconds(200);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var channel = await connection.OpenChannelAsync(confirms: false, stoppingToken);
                await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: stoppingToken);
                await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, cancellationToken: stoppingToken);
                await channel.QueueBindAsync(name, name, routingKey: "", cancellationToken: stoppingToken);
                LogDeclared(logger, name, failures);
                return;
            }
            catch (Exception ex) when (ex is BrokerUnavailableException or OperationInterruptedException || OperatorConnection.IsBrokerFailure(ex))
            {
                if (failures++ == 0)
                    LogWaiting(logger, name, ex.Message);
            }
            try
            {
                await Task.Delay(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestWait.Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Error queue {Queue} declared (after {Failures} failed attempts)")]
    static partial void LogDeclared(ILogger logger, string queue, int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Error queue {Queue} cannot be declared yet ({Reason}); consumption goes on, and the declaration is tried again until it succeeds")]
    static partial void LogWaiting(ILogger logger, string queue, string reason);
}
