using MassTransit;
using MassTransit.RetryPolicies;
using RabbitMQ.Client.Exceptions;
using Webhook.Messaging;

namespace Webhook.Tests.Messaging;

/// <summary>
/// The reconnection policy is put in place where MassTransit keeps it: these tests fail if an upgrade of MassTransit
/// moved it, rather than the hosts silently reconnecting as slowly as before.
/// </summary>
public class BrokerReconnectionTests
{
    static IRetryPolicy ConfiguredPolicy(Action<IRabbitMqBusFactoryConfigurator> configure, bool send = false)
    {
        IRetryPolicy? policy = null;
        Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            configure(cfg);
            var host = BrokerReconnection.HostConfigurationOf(cfg);
            policy = send ? host.SendTransportRetryPolicy : host.ReceiveTransportRetryPolicy;
        });
        return policy!;
    }

    [Fact]
    public void Should_replace_the_reconnection_policy_of_both_sides_with_one_that_never_gives_up()
    {
        foreach (var send in new[] { false, true })
        {
            var policy = ConfiguredPolicy(BrokerReconnection.Apply, send);

            var exponential = Assert.IsType<ExponentialRetryPolicy>(policy);
            Assert.Equal(int.MaxValue, exponential.RetryLimit);
        }
    }

    [Fact]
    public void Should_wait_at_most_about_a_second_between_attempts_however_many_failed()
    {
        var policy = (ExponentialRetryPolicy)ConfiguredPolicy(BrokerReconnection.Apply);

        // MassTransit adds up to a quarter more, or less, to each wait.
        Assert.InRange(policy.GetRetryInterval(0), TimeSpan.Zero, BrokerReconnection.LongestWait * 1.25);
        Assert.InRange(policy.GetRetryInterval(5000), BrokerReconnection.LongestWait * 0.75, BrokerReconnection.LongestWait * 1.25);
    }

    [Fact]
    public void Should_reconnect_after_a_lost_connection_but_not_after_a_refused_login()
    {
        var policy = ConfiguredPolicy(BrokerReconnection.Apply);

        Assert.True(policy.IsHandled(new MassTransit.RabbitMqConnectionException("Broker unreachable")));
        Assert.True(policy.IsHandled(new AlreadyClosedException(new RabbitMQ.Client.Events.ShutdownEventArgs(RabbitMQ.Client.ShutdownInitiator.Peer, 320, "CONNECTION_FORCED"))));
        Assert.False(policy.IsHandled(new AuthenticationFailureException("ACCESS_REFUSED")));
    }

    [Fact]
    public void Should_differ_from_what_masstransit_does_by_itself()
    {
        // Without it: a limit of 1000 attempts over the process's life, waits growing to 30 s.
        var own = Assert.IsType<ExponentialRetryPolicy>(ConfiguredPolicy(_ => { }));

        Assert.NotEqual(int.MaxValue, own.RetryLimit);
        Assert.True(own.GetRetryInterval(10) > TimeSpan.FromSeconds(10));
    }
}
