using System.Reflection;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.RabbitMqTransport;
using RabbitMQ.Client.Exceptions;

namespace Webhook.Messaging;

/// <summary>
/// How soon the hosts connect again after losing the broker. MassTransit 8 fixes it for RabbitMQ: waits from 3 s
/// growing to 30 s (plus a second each time), never shortened again after a reconnection succeeds, so every outage
/// of a process's life is waited out longer than the one before; and after 1000 failed attempts in that life the
/// receive endpoint stops reconnecting for good. Here the waits start at a tenth of a second and stay at about a
/// second, with no limit: a node that is back, or another node of the cluster, is reached within a second or two.
/// The policy has no public setting in MassTransit 8.5, so it is put in place on the host's configuration before the
/// bus is built; <see cref="Apply"/> fails at start, naming the cause, if a MassTransit upgrade moved it.
/// </summary>
public static class BrokerReconnection
{
    public static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(1);

    /// <summary>
    /// MassTransit's own choice of the failures after which it reconnects (the connection or channel is gone), with our
    /// waits; an authentication failure is not retried, as in MassTransit.
    /// </summary>
    public static IRetryPolicy Create() => Retry.CreatePolicy(x =>
    {
        x.Handle<ConnectionException>();
        x.Handle<AlreadyClosedException>();
        x.Handle<EndOfStreamException>();
        x.Handle<OperationInterruptedException>(exception => exception.ChannelShouldBeClosed());
        x.Handle<NotSupportedException>(exception => exception.Message.Contains("Pipelining of requests forbidden", StringComparison.Ordinal));
        x.Ignore<AuthenticationFailureException>();
        x.Exponential(int.MaxValue, FirstWait, LongestWait, FirstWait);
    });

    /// <summary>Puts <see cref="Create"/> in place of the host's reconnection policy (for the receive and send sides).</summary>
    public static void Apply(IRabbitMqBusFactoryConfigurator configurator)
    {
        var host = HostConfigurationOf(configurator);
        var field = BackingField(host.GetType())
            ?? throw new InvalidOperationException(
                $"{host.GetType().FullName} (MassTransit {typeof(IBus).Assembly.GetName().Version}) has no ReceiveTransportRetryPolicy field to set: " +
                "the reconnection policy of this MassTransit version cannot be changed this way. See Webhook.Messaging.BrokerReconnection.");
        field.SetValue(host, Create());
    }

    /// <summary>The host configuration behind a RabbitMQ bus configurator, where MassTransit keeps the reconnection policy.</summary>
    public static IHostConfiguration HostConfigurationOf(IRabbitMqBusFactoryConfigurator configurator)
    {
        for (var type = configurator.GetType(); type is not null; type = type.BaseType)
        {
            var field = type.GetField("_hostConfiguration", BindingFlags.Instance | BindingFlags.NonPublic);
            if (field?.GetValue(configurator) is IHostConfiguration host)
                return host;
        }
        throw new InvalidOperationException(
            $"{configurator.GetType().FullName} does not hold its host configuration where MassTransit 8.5 does: the reconnection policy cannot be set.");
    }

    static FieldInfo? BackingField(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.GetField($"<{nameof(IHostConfiguration.ReceiveTransportRetryPolicy)}>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic) is { } field
                && field.FieldType == typeof(IRetryPolicy))
                return field;
        }
        return null;
    }
}
