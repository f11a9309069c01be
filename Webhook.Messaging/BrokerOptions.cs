using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Webhook.Messaging;

/// <summary>Where and how email events wait between the API and the Processor. Section "Broker".</summary>
public sealed class BrokerOptions
{
    public const string Section = "Broker";

    /// <summary>The queue of email events, unless Broker:QueueName names another.</summary>
    public const string DefaultQueueName = "email-events";

    /// <summary>The queue the Processor consumes and the API makes sure exists before its first publish.</summary>
    [Required(ErrorMessage = "Broker:QueueName must be set.")]
    [RegularExpression("^[A-Za-z0-9._-]{1,200}$", ErrorMessage = "Broker:QueueName must be 1 to 200 letters, digits, '.', '_' or '-'.")]
    public string QueueName { get; set; } = DefaultQueueName;

    /// <summary>
    /// Every node of the RabbitMQ cluster, as <c>host</c> or <c>host:port</c> (the port of ConnectionStrings:RabbitMq
    /// when none is given): the hosts connect to one, and to the next when it goes away. Empty: the host of the
    /// connection string only. Its user, password, virtual host and scheme apply to every node.
    /// </summary>
    public string[] ClusterNodes { get; set; } = [];

    /// <summary>The nodes of <see cref="ClusterNodes"/>, which <see cref="BrokerOptionsValidator"/> has checked.</summary>
    public IEnumerable<BrokerNode> Nodes => ClusterNodes.Select(n => BrokerNode.TryParse(n, out var node) ? node : throw new FormatException($"Not a broker node: {n}"));

    /// <summary>Where the events the Processor gave up on wait for an operator.</summary>
    public string ErrorQueueName => ErrorQueueNameOf(QueueName);

    /// <summary>MassTransit's name for the error queue of a receive endpoint's queue.</summary>
    public static string ErrorQueueNameOf(string queueName) => $"{queueName}_error";

    /// <summary>Where the events the API could not accept from verified webhooks wait for an operator.</summary>
    public string SetAsideQueueName => SetAsideQueueNameOf(QueueName);

    public static string SetAsideQueueNameOf(string queueName) => $"{queueName}_set-aside";
}

/// <summary>The broker's address, from ConnectionStrings:RabbitMq.</summary>
public sealed class BrokerConnectionOptions
{
    public const string Section = "ConnectionStrings";
    public const string Key = "ConnectionStrings:RabbitMq";

    [Required(ErrorMessage = $"{Key} is not set (for example amqp://guest:guest@127.0.0.1:25672/).")]
    [AmqpUri(ErrorMessage = $"{Key} must be an amqp:// or amqps:// URI (for example amqp://guest:guest@127.0.0.1:25672/).")]
    public string? RabbitMq { get; set; }

    /// <summary>
    /// The validated URI. A method, not a property: the options validator reads every property, and would meet the
    /// exception of a missing value before it could say which key is missing.
    /// </summary>
    public Uri ToUri() => new(RabbitMq!);
}

/// <summary>
/// What data annotations cannot say about Broker:*: every cluster node is a host with an optional port, and the settings
/// that became broker policies are no longer set here, where they would silently do nothing.
/// </summary>
public sealed class BrokerOptionsValidator(IConfiguration configuration) : IValidateOptions<BrokerOptions>
{
    /// <summary>Settings of earlier versions that the broker's policy now holds (deploy/local/servers.sh policy, docs/operations.md).</summary>
    static readonly string[] MovedToPolicy = ["MaxQueueLength", "DeliveryLimit"];

    public ValidateOptionsResult Validate(string? name, BrokerOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.ClusterNodes.Length; i++)
        {
            if (!BrokerNode.TryParse(options.ClusterNodes[i], out _))
                failures.Add($"{BrokerOptions.Section}:ClusterNodes:{i} must be a host name or address with an optional port (host or host:port), not '{options.ClusterNodes[i]}'.");
        }
        foreach (var key in MovedToPolicy)
        {
            if (configuration.GetSection(BrokerOptions.Section).GetSection(key).Value is not null)
                failures.Add($"{BrokerOptions.Section}:{key} is no longer read: the queue's limits are a broker policy (max-length, delivery-limit), " +
                    "applied by operators to the queue (see docs/operations.md). Remove the setting.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>One node of Broker:ClusterNodes: <c>host</c> or <c>host:port</c>.</summary>
public readonly record struct BrokerNode(string Host, int? Port)
{
    public static bool TryParse(string? text, out BrokerNode node)
    {
        node = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        var parts = text.Split(':');
        int? port = null;
        if (parts.Length > 2)
            return false;
        if (parts.Length == 2)
        {
            if (!int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
                return false;
            port = number;
        }
        if (Uri.CheckHostName(parts[0]) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
            return false;
        node = new BrokerNode(parts[0], port);
        return true;
    }

    public override string ToString() => Port is { } port ? $"{Host}:{port}" : Host;
}

/// <summary>An absolute amqp:// or amqps:// URI.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AmqpUriAttribute : ValidationAttribute
{
    public override bool IsValid(object? value) =>
        value is null || (value is string text && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "amqp" or "amqps");
}


