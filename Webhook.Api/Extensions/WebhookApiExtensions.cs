using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Webhook.Api.Ingestion;
using Webhook.Api.Options;
using Webhook.Messaging;
using Webhook.Messaging.Publishing;
using Webhook.Providers.Parsing;
using Webhook.Providers.Verification;
using Webhook.ServiceDefaults;
using Webhook.Storage;

namespace Webhook.Api.Extensions;

public static class WebhookApiExtensions
{
    public static WebApplicationBuilder AddWebhookApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RejectionRateLimitOptions>().BindConfiguration(RejectionRateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StandardWebhookOptions>().BindConfiguration(StandardWebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SendGridWebhookOptions>().BindConfiguration(SendGridWebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MailgunWebhookOptions>().BindConfiguration(MailgunWebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<NetworkOptions>().BindConfiguration(NetworkOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PublishedKeyGuard>();
        services.AddSingleton<IValidateOptions<StandardWebhookOptions>>(sp => sp.GetRequiredService<PublishedKeyGuard>());
        services.AddSingleton<IValidateOptions<MailgunWebhookOptions>>(sp => sp.GetRequiredService<PublishedKeyGuard>());

        // The client's address comes from X-Forwarded-For only when the hop that sent it is a known proxy.
        services.AddKnownProxies();
        // What one process accepts, whatever its clients do (see NetworkOptions and IntakeCapacity).
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<NetworkOptions>>((kestrel, network) =>
        {
            kestrel.Limits.MaxConcurrentConnections = network.Value.MaxConcurrentConnections;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(network.Value.MinBodyBytesPerSecond, network.Value.BodyGracePeriod);
            kestrel.Limits.RequestHeadersTimeout = network.Value.RequestHeadersTimeout;
        });
        services.AddSingleton<IntakeCapacity>();

        BadRequestProblems.AddTo(services);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IngestionMetrics>();
        services.AddServiceTelemetry([IngestionMetrics.MeterName, PublisherConnection.MeterName], tracing: t => t.AddSource(RabbitMqEventPublishing.ActivitySourceName));
        services.AddSingleton(sp =>
        {
            var budget = sp.GetRequiredService<IOptions<RejectionRateLimitOptions>>().Value;
            return new RejectionRateLimiter(budget.Permits, budget.Window, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp => new StandardWebhookVerifier(Keys<StandardWebhookOptions>(sp), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SendGridWebhookVerifier(Keys<SendGridWebhookOptions>(sp), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new MailgunWebhookVerifier(Keys<MailgunWebhookOptions>(sp), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<StandardEventParser>();
        services.AddSingleton<SendGridEventParser>();
        services.AddSingleton<MailgunEventParser>();
        services.AddScoped<EventPublisher>();
        services.AddScoped<WebhookReceiver>();

        // Mailgun's signature does not cover its events: its single-use tokens live in DynamoDB, shared by every
        // replica, so DynamoDB is needed when (and only when) the Mailgun route is served.
        if (!string.IsNullOrWhiteSpace(builder.Configuration[MailgunWebhookOptions.SigningKeyKey]))
        {
            builder.AddDynamoDb();
            services.AddSingleton(sp => new SingleUseTokenTable(sp.GetRequiredService<IOptions<StatsOptions>>().Value));
            builder.AddDynamoTables(sp => [sp.GetRequiredService<SingleUseTokenTable>().Definition]);
            services.AddSingleton<ISingleUseTokens, DynamoSingleUseTokens>();
            services.AddHealthChecks().Add(new HealthCheckRegistration("single-use-tokens",
                sp => new DynamoTableHealthCheck(sp.GetRequiredService<Amazon.DynamoDBv2.IAmazonDynamoDB>(), sp.GetRequiredService<SingleUseTokenTable>().Name),
                failureStatus: null, tags: [ServiceDefaultsExtensions.ReadyTag]));
        }

        // Publishing straight on the broker's client, its connection kept from the start; the API starts, and answers
        // /health/live, while the broker is down, and /health/ready once it has connected.
        services.AddEventPublishing(ServiceDefaultsExtensions.ReadyTag);

        return builder;
    }

    static T Keys<T>(IServiceProvider services) where T : class => services.GetRequiredService<IOptions<T>>().Value;
}
