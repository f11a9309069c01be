using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Webhook.Contracts;

namespace Webhook.Messaging.Publishing;

/// <summary>
/// Publishing through MassTransit's <see cref="IPublishEndpoint"/>, on whatever transport its bus uses: the in-memory
/// test harness of the API's tests, or a transport other than RabbitMQ (docs: Changing the transport).
/// </summary>
public sealed class MassTransitEventPublishing(IPublishEndpoint publishEndpoint) : IEventPublishing
{
    public Task PublishAsync(EmailEventReceived message, CancellationToken cancellationToken) =>
        publishEndpoint.Publish(message, context => context.MessageId = message.EventId, cancellationToken);

    public Task PublishAsync(EmailEventSetAside message, CancellationToken cancellationToken) =>
        publishEndpoint.Publish(message, context => context.MessageId = message.SetAsideId, cancellationToken);
}

public static class MassTransitEventPublishingExtensions
{
    /// <summary>
    /// Publishes through the MassTransit bus registered beside (AddMassTransit, AddMassTransitTestHarness) in place of
    /// <see cref="RabbitMqEventPublishing"/>, whose connection, start and readiness check are removed with it.
    /// </summary>
    public static IServiceCollection UseMassTransitEventPublishing(this IServiceCollection services)
    {
        services.RemoveAll<IEventPublishing>();
        services.RemoveAll<RabbitMqEventPublishing>();
        services.RemoveAll<PublisherConnection>();
        foreach (var hosted in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(PublisherConnectionService)).ToList())
            services.Remove(hosted);
        services.Configure<HealthCheckServiceOptions>(o =>
        {
            foreach (var check in o.Registrations.Where(r => r.Name == PublisherConnectionHealthCheck.Name).ToList())
                o.Registrations.Remove(check);
        });
        services.AddScoped<IEventPublishing, MassTransitEventPublishing>();
        return services;
    }
}
