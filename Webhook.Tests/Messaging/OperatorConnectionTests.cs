using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Webhook.Messaging;

namespace Webhook.Tests.Messaging;

public class OperatorConnectionTests
{
    [Theory]
    [InlineData(404, "NOT_FOUND - no queue 'email-events_set-aside' in vhost '/'", true)]
    // A classic queue whose node is down: it holds messages nobody can read now.
    [InlineData(404, "NOT_FOUND - home node 'rabbit@node-1' of durable queue 'email-events_set-aside' in vhost '/' is down or inaccessible", false)]
    [InlineData(406, "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'email-events_set-aside' in vhost '/'", false)]
    public void Should_read_a_queue_as_missing_only_when_the_broker_says_there_is_none(ushort code, string text, bool missing)
    {
        var refusal = new OperationInterruptedException(new ShutdownEventArgs(ShutdownInitiator.Peer, code, text));

        Assert.Equal(missing, OperatorConnection.IsMissingQueue(refusal));
    }
}
