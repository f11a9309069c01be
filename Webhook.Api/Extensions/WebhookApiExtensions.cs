using MassTransit;
using Microsoft.Extensions.Options;
using Webhook.Api.Ingestion;
using Webhook.Api.Options;
using Webhook.Messaging;
using Webhook.Providers.Parsing;
using Webhook.Providers.Verification;
using Webhook.ServiceDefaults;

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
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddProblemDetails();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IngestionMetrics>();
        services.AddServiceTelemetry([IngestionMetrics.MeterName]);
        services.AddSingleton<RejectionRateLimiter>();
        services.AddSingleton(sp => new StandardWebhookVerifier(Keys<StandardWebhookOptions>(sp), Tolerance(sp), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SendGridWebhookVerifier(Keys<SendGridWebhookOptions>(sp), Tolerance(sp), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new MailgunWebhookVerifier(Keys<MailgunWebhookOptions>(sp), Tolerance(sp), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<StandardEventParser>();
        services.AddSingleton<SendGridEventParser>();
        services.AddSingleton<MailgunEventParser>();
        services.AddScoped<EventPublisher>();
        services.AddScoped<WebhookReceiver>();
        services.AddDeadLetters();

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

    static T Keys<T>(IServiceProvider services) where T : class => services.GetRequiredService<IOptions<T>>().Value;

    static TimeSpan Tolerance(IServiceProvider services) => services.GetRequiredService<IOptions<WebhookOptions>>().Value.TimestampTolerance;
}
