using MassTransit;
using Webhook.Api.Ingestion;
using Webhook.Api.Options;
using Webhook.Api.Verification;
using Webhook.Messaging;

namespace Webhook.Api.Extensions;

public static class WebhookApiExtensions
{
    public static WebApplicationBuilder AddWebhookApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => IsSecretOrUnset(o.Email.Secret), $"{WebhookOptions.Section}:Email:Secret must be 'whsec_' followed by base64.")
            .Validate(o => IsSecretOrUnset(o.Email.PreviousSecret), $"{WebhookOptions.Section}:Email:PreviousSecret must be 'whsec_' followed by base64.")
            .ValidateOnStart();

        services.AddProblemDetails();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IngestionMetrics>();
        services.AddSingleton<StandardWebhookVerifier>();
        services.AddSingleton<StandardEventParser>();
        services.AddScoped<EventPublisher>();
        services.AddScoped<WebhookReceiver>();

        services.AddBrokerOptions();
        services.AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            x.UsingConfiguredBroker();
        });
        // The API starts, and answers /health/live, while the broker is down; the bus connects when it can.
        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = false;
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });

        return builder;
    }

    static bool IsSecretOrUnset(string? secret) =>
        string.IsNullOrWhiteSpace(secret) || StandardWebhookVerifier.ParseSecret(secret) is not null;
}
