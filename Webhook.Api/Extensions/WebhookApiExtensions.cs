using MassTransit;
using Webhook.Api.DeadLetters;
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
            .Validate(o => string.IsNullOrWhiteSpace(o.SendGrid.VerificationKey) || SendGridWebhookVerifier.ParseVerificationKey(o.SendGrid.VerificationKey) is not null,
                $"{WebhookOptions.Section}:SendGrid:VerificationKey must be the base64 of an ECDSA P-256 public key (SubjectPublicKeyInfo), as SendGrid's Mail Settings page shows it.")
            .Validate(o => o.SendGrid.MaxBodyBytes is >= 1 and <= 16 * 1024 * 1024, $"{WebhookOptions.Section}:SendGrid:MaxBodyBytes must be between 1 and 16777216.")
            .Validate(o => string.IsNullOrEmpty(o.Mailgun.SigningKey) || MailgunWebhookVerifier.IsSigningKey(o.Mailgun.SigningKey), MailgunWebhookVerifier.SigningKeyRule)
            .Validate(o => o.RejectionRateLimit.Permits >= 1, $"{WebhookOptions.Section}:RejectionRateLimit:Permits must be at least 1.")
            .Validate(o => o.RejectionRateLimit.Window >= TimeSpan.FromSeconds(1) && o.RejectionRateLimit.Window <= TimeSpan.FromHours(1),
                $"{WebhookOptions.Section}:RejectionRateLimit:Window must be between 00:00:01 and 01:00:00.")
            .ValidateOnStart();
        services.AddOptions<AdminOptions>()
            .BindConfiguration(AdminOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => AdminOptions.IsKeyAcceptable(o.ApiKey),
                $"{AdminOptions.Section}:ApiKey must be at least {AdminOptions.MinimumKeyLength} characters without spaces (for example the output of 'openssl rand -base64 32').")
            .ValidateOnStart();

        services.AddProblemDetails();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IngestionMetrics>();
        services.AddSingleton<RejectionRateLimiter>();
        services.AddSingleton<StandardWebhookVerifier>();
        services.AddSingleton<StandardEventParser>();
        services.AddSingleton<SendGridWebhookVerifier>();
        services.AddSingleton<SendGridEventParser>();
        services.AddSingleton<MailgunWebhookVerifier>();
        services.AddSingleton<MailgunEventParser>();
        services.AddScoped<EventPublisher>();
        services.AddScoped<WebhookReceiver>();
        services.AddSingleton<IDeadLetters, RabbitMqDeadLetters>();

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
