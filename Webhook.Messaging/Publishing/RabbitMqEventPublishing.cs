using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using MassTransit.Serialization;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Webhook.Contracts;

namespace Webhook.Messaging.Publishing;

/// <summary>
/// The intake's publisher on RabbitMQ, straight on RabbitMQ.Client: each message persistent, mandatory (an unroutable
/// one comes back as an error instead of being confirmed and dropped) and confirmed, to the exchange of its type, in
/// MassTransit's JSON envelope, so that the Processor's MassTransit endpoint reads it as one of its own. MassTransit's
/// publish pipeline cost the API about twice the CPU of the rest of a request (docs/profiles.md, section 10); a message
/// here is one envelope written once. A publish whose connection is lost before the broker confirms it is published
/// again on the next connection, with the same message id, within the caller's time.
/// </summary>
public sealed class RabbitMqEventPublishing(PublisherConnection connection, TimeProvider time) : IEventPublishing
{
    /// <summary>The trace source of the publishes: one producer span each, whose context the message carries on.</summary>
    public const string ActivitySourceName = "Webhook.Messaging";

    /// <summary>MassTransit's JSON envelope, which the Processor's endpoint reads (also the header it takes it from).</summary>
    public const string ContentType = "application/vnd.masstransit+json";

    /// <summary>MassTransit's header for the W3C trace context of the publish; the consumer's span continues it.</summary>
    public const string TraceHeader = "MT-Activity-Id";

    static readonly ActivitySource Source = new(ActivitySourceName);
    static readonly Target Received = Target.Of<EmailEventReceived>();
    static readonly Target SetAside = Target.Of<EmailEventSetAside>();

    public Task PublishAsync(EmailEventReceived message, CancellationToken cancellationToken) =>
        PublishAsync(Received, message.EventId, message, cancellationToken);

    public Task PublishAsync(EmailEventSetAside message, CancellationToken cancellationToken) =>
        PublishAsync(SetAside, message.SetAsideId, message, cancellationToken);

    async Task PublishAsync<T>(Target target, Guid messageId, T message, CancellationToken cancellationToken)
    {
        using var activity = Source.StartActivity(target.SpanName, ActivityKind.Producer);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.destination.name", target.Exchange);
        activity?.SetTag("messaging.message.id", messageId.ToString());
        // The publish's span when it is recorded, else the request's: the consumer's trace continues the caller's either way.
        var traceParent = Activity.Current?.Id;

        var body = new ArrayBufferWriter<byte>(512);
        WriteEnvelope(body, target, messageId, message, traceParent, time.GetUtcNow());
        var headers = new Dictionary<string, object?>(2) { ["Content-Type"] = ContentType };
        if (traceParent is not null)
            headers[TraceHeader] = traceParent;
        var properties = new BasicProperties
        {
            ContentType = ContentType,
            MessageId = messageId.ToString(),
            DeliveryMode = DeliveryModes.Persistent,
            Headers = headers,
        };

        while (true)
        {
            var channel = await connection.ChannelAsync(cancellationToken);
            try
            {
                // Completes when the broker confirms; throws PublishException on a nack (a full queue) or a return (no queue).
                await channel.BasicPublishAsync(target.Exchange, string.Empty, mandatory: true, properties, body.WrittenMemory, cancellationToken);
                return;
            }
            catch (PublishException ex) when (ex.IsReturn)
            {
                // Nothing is bound to the exchange any more: once declared again, the next publish is routed.
                connection.DeclareAgain($"a message to {target.Exchange} came back unroutable");
                throw;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsLostWithItsConnection(ex, channel.IsOpen))
            {
                // The channel went with its connection (a node stopped or lost) before the broker confirmed: whether it
                // has the message is unknown. Published again, with the same message id, on the next connection within
                // the caller's time; if both copies were stored, the Processor applies the event once.
                activity?.AddEvent(new ActivityEvent("published again: the connection was lost before the confirm"));
                await Task.Delay(BrokerReconnection.FirstWait, time, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Whether a publish failed because its channel or connection went, not because the broker refused it (a nack or
    /// a return, <see cref="PublishException"/>). The client marks the channel closed a moment after its session, so a
    /// publish can fail as already closed, or on the frame writer its connection completed, while the channel still
    /// says it is open: the exception says so as well as the channel does.
    /// </summary>
    public static bool IsLostWithItsConnection(Exception exception, bool channelOpen) =>
        exception is not PublishException
        && (!channelOpen || OperatorConnection.IsBrokerFailure(exception) || exception is ChannelClosedException or ObjectDisposedException);

    /// <summary>
    /// The envelope MassTransit's SystemTextJson serializer writes and reads: the message id, its type's URN, the
    /// message in MassTransit's JSON options, the time sent and the headers.
    /// </summary>
    public static void WriteEnvelope<T>(IBufferWriter<byte> output, Target target, Guid messageId, T message, string? traceParent, DateTimeOffset sentTime)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("messageId", messageId);
        writer.WriteStartArray("messageType");
        writer.WriteStringValue(target.MessageType);
        writer.WriteEndArray();
        writer.WritePropertyName("message");
        JsonSerializer.Serialize(writer, message, SystemTextJsonMessageSerializer.Options);
        writer.WriteString("sentTime", sentTime.UtcDateTime);
        writer.WriteStartObject("headers");
        if (traceParent is not null)
            writer.WriteString(TraceHeader, traceParent);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Where messages of one type go, and how they are named.</summary>
    public sealed record Target(string Exchange, string MessageType, string SpanName)
    {
        public static Target Of<T>()
        {
            var exchange = BrokerTransport.ExchangeOf<T>();
            return new Target(exchange, BrokerTransport.MessageTypeOf<T>(), $"{exchange} publish");
        }
    }
}
