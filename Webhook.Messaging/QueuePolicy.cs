using System.Globalization;

namespace Webhook.Messaging;

/// <summary>
/// The broker policy that gives the events' queue the limits operators may change: how many events it holds before
/// the broker refuses publishes (the API then answers 503), and how often an event is delivered before the broker
/// dead-letters it. The hosts never declare these, so hosts configured differently cannot make the broker refuse the
/// queue. deploy/local/servers.sh applies it on every start (and must agree with this: ServersScriptTests); elsewhere
/// operators apply it once per virtual host, with <see cref="RabbitMqCtlCommand"/> (docs/cluster.md).
/// </summary>
public static class QueuePolicy
{
    public const string Name = "email-events-limits";

    /// <summary>Queue length beyond which publishes are refused (the queue's <c>x-overflow</c> is reject-publish).</summary>
    public const int MaxLength = 1_000_000;

    /// <summary>Deliveries after which the broker dead-letters an event that keeps crashing its consumer.</summary>
    public const int DeliveryLimit = 10;

    /// <summary>The policy's pattern: the events' queue only (not its error or set-aside queues).</summary>
    public static string Pattern(string queueName) => $"^{queueName.Replace(".", "\\.", StringComparison.Ordinal)}$";

    /// <summary>The policy's definition, as rabbitmqctl and the management API take it.</summary>
    public static string Definition(int maxLength = MaxLength, int deliveryLimit = DeliveryLimit) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"max-length":{{maxLength}},"delivery-limit":{{deliveryLimit}}}""");

    /// <summary>
    /// The command that applies it to a virtual host (priority 0; <c>--apply-to queues</c>, since RabbitMQ 3.10 refuses
    /// <c>quorum_queues</c>).
    /// </summary>
    public static string RabbitMqCtlCommand(string queueName, string virtualHost = "/") =>
        $"rabbitmqctl set_policy -p {virtualHost} --apply-to queues --priority 0 {Name} '{Pattern(queueName)}' '{Definition()}'";
}
