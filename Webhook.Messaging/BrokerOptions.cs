using System.ComponentModel.DataAnnotations;
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
    /// Events the queue holds at most. When it is full the broker refuses new publishes (overflow reject-publish),
    /// so the API answers 503 and the provider keeps the event, instead of the broker dropping it.
    /// </summary>
    [Range(1, int.MaxValue, ErrorMessage = "Broker:MaxQueueLength must be at least 1.")]
    public int MaxQueueLength { get; set; } = 1_000_000;

    /// <summary>
    /// Deliveries after which the broker gives up on an event that keeps killing its consumer (a crash, not an
    /// exception: exceptions are retried in process) and dead-letters it into the error queue.
    /// </summary>
    [Range(2, 1000, ErrorMessage = "Broker:DeliveryLimit must be between 2 and 1000.")]
    public int DeliveryLimit { get; set; } = 10;

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

    [Required(ErrorMessage = $"{Key} is not set (for example amqp://guest:guest@127.0.0.1:55672/).")]
    [AmqpUri(ErrorMessage = $"{Key} must be an amqp:// or amqps:// URI (for example amqp://guest:guest@127.0.0.1:55672/).")]
    public string? RabbitMq { get; set; }

    /// <summary>
    /// The validated URI. A method, not a property: the options validator reads every property, and would meet the
    /// exception of a missing value before it could say which key is missing.
    /// </summary>
    public Uri ToUri() => new(RabbitMq!);
}

/// <summary>An absolute amqp:// or amqps:// URI.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AmqpUriAttribute : ValidationAttribute
{
    public override bool IsValid(object? value) =>
        value is null || (value is string text && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "amqp" or "amqps");
}


