using System.Buffers;
using System.Diagnostics.Metrics;
using MassTransit;
using MassTransit.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using PublishException = RabbitMQ.Client.Exceptions.PublishException;
using Webhook.Contracts;
using Webhook.Messaging;
using Webhook.Messaging.Publishing;
using Webhook.Testing;

namespace Webhook.Tests.Messaging.Publishing;

/// <summary>
/// The intake's messages, written without MassTransit, read as MassTransit's own: the Processor's endpoint reads them
/// with its serializer and finds them on the exchange MassTransit would have used. Against the broker in
/// EventPublishingTests (system tier) and every test of the pipeline.
/// </summary>
public class RabbitMqEventPublishingTests
{
    static readonly EmailEventReceived Event = new()
    {
        EventId = Guid.Parse("3a470eb8-9b24-8838-907c-e105a021786c"),
        EmailId = "email-1001",
        EventType = EmailEventTypes.Clicked,
        OccurredAt = DateTimeOffset.Parse("2026-11-26T08:00:00+00:00"),
        ReceivedAt = DateTimeOffset.Parse("2026-11-26T08:00:01+00:00"),
        Provider = "sendgrid",
    };

    [Fact]
    public void Should_write_an_envelope_that_masstransit_reads_as_the_same_message_with_its_id_type_and_trace()
    {
        const string traceParent = "00-633f8fa8ed48d01061644fdfc3dda9e9-83718e45b4a08948-01";
        var body = new ArrayBufferWriter<byte>();
        var sent = DateTimeOffset.Parse("2026-11-26T08:00:02.5+00:00");
        RabbitMqEventPublishing.WriteEnvelope(body, RabbitMqEventPublishing.Target.Of<EmailEventReceived>(), Event.EventId, Event, traceParent, sent);

        var context = new SystemTextJsonMessageSerializer().Deserialize(new BytesMessageBody(body.WrittenSpan.ToArray()), EmptyHeaders.Instance);

        Assert.Equal(Event.EventId, context.MessageId);
        Assert.Equal(sent.UtcDateTime, context.SentTime);
        Assert.Equal(["urn:message:Webhook.Contracts:EmailEventReceived"], context.SupportedMessageTypes);
        Assert.True(context.IsSupportedMessageType<EmailEventReceived>());
        Assert.True(context.TryGetMessage<EmailEventReceived>(out var message));
        Assert.Equal(Event, message);
        Assert.Equal(traceParent, context.Headers.Get<string>(RabbitMqEventPublishing.TraceHeader));
    }

    [Fact]
    public void Should_publish_to_the_exchanges_and_name_the_types_as_masstransit_does_on_rabbitmq()
    {
        // The names MassTransit's RabbitMQ topology gives: the bus is configured, never started.
        string? received = null, setAside = null;
        Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            received = cfg.MessageTopology.GetMessageTopology<EmailEventReceived>().EntityName;
            setAside = cfg.MessageTopology.GetMessageTopology<EmailEventSetAside>().EntityName;
        });
        Assert.Equal(received, BrokerTransport.ExchangeOf<EmailEventReceived>());
        Assert.Equal(setAside, BrokerTransport.ExchangeOf<EmailEventSetAside>());
        Assert.Equal(MessageUrn.ForTypeString<EmailEventReceived>(), BrokerTransport.MessageTypeOf<EmailEventReceived>());
        Assert.Equal(MessageUrn.ForTypeString<EmailEventSetAside>(), BrokerTransport.MessageTypeOf<EmailEventSetAside>());
    }

    [Fact]
    public async Task Should_report_not_ready_and_why_before_it_has_connected()
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        await using var connection = NotConnected(services);
        var check = new PublisherConnectionHealthCheck(connection);
        var registration = new HealthCheckRegistration(PublisherConnectionHealthCheck.Name, check, HealthStatus.Unhealthy, null);

        var result = await check.CheckHealthAsync(new HealthCheckContext { Registration = registration });

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("RabbitMQ: not connected yet", result.Description);
    }

    [Fact]
    public async Task Should_report_no_connection_open_and_none_opened_on_its_meter_before_it_has_connected()
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        await using var connection = NotConnected(services);
        var readings = MeterReadings.Read(services.GetRequiredService<IMeterFactory>(), PublisherConnection.MeterName);

        Assert.Equal(new Dictionary<string, long>
        {
            [PublisherConnection.ConnectedInstrument] = 0,
            [PublisherConnection.ConnectionsOpenedInstrument] = 0,
        }, readings);
    }

    public static TheoryData<Exception, bool, bool> Failures => new()
    {
        // The broker refused the message: a nack (queue full) or a return (no queue), whatever the channel says.
        { new PublishException(1, isReturn: false), true, false },
        { new PublishException(1, isReturn: true), false, false },
        // The session closed a moment before the channel says so, or the connection's frame writer was completed.
        { new AlreadyClosedException(new ShutdownEventArgs(ShutdownInitiator.Peer, 320, "CONNECTION_FORCED - closed via management plugin")), true, true },
        { new System.Threading.Channels.ChannelClosedException(), true, true },
        { new IOException("Unable to write data to the transport connection: Broken pipe."), true, true },
        { new ObjectDisposedException("RabbitMQ.Client.Impl.AutorecoveringChannel"), true, true },
        // Anything else counts as lost only when the channel went with it.
        { new ArgumentException("not a publish failure"), true, false },
        { new ArgumentException("not a publish failure"), false, true },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Should_publish_again_only_what_was_lost_with_its_connection_never_what_the_broker_refused(Exception failure, bool channelOpen, bool lost)
    {
        Assert.Equal(lost, RabbitMqEventPublishing.IsLostWithItsConnection(failure, channelOpen));
    }

    /// <summary>A publishing connection that has not connected: nothing listens on port 1.</summary>
    static PublisherConnection NotConnected(IServiceProvider services) => new(
        Options.Create(new BrokerConnectionOptions { RabbitMq = "amqp://guest:guest@127.0.0.1:1/" }), Options.Create(new BrokerOptions()),
        TimeProvider.System, NullLogger<PublisherConnection>.Instance, services.GetRequiredService<IMeterFactory>());
}
