using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Webhook.Api.Ingestion;
using Webhook.Api.Options;
using Webhook.Providers.Parsing;
using Webhook.Providers.Verification;

namespace Webhook.Api.Endpoints;

/// <summary>
/// The providers' webhook routes, under /webhooks, one row each in <see cref="Providers"/>. A provider whose key is
/// not configured is not mapped (404), and the log says so once at start.
/// </summary>
public static partial class WebhookEndpoints
{
    public const string StandardProvider = "standard";
    public const string SendGridProvider = "sendgrid";
    public const string MailgunProvider = "mailgun";

    /// <summary>
    /// Every provider the API knows. Adding one: its verifier, key options and parser in Webhook.Providers, all three
    /// registered in AddWebhookApi, and a row here.
    /// </summary>
    public static IReadOnlyList<WebhookProvider> Providers(IServiceProvider services)
    {
        var sendGrid = services.GetRequiredService<IOptions<SendGridWebhookOptions>>().Value;
        return
        [
            new(StandardProvider, "/email", StandardWebhookOptions.SecretKey,
                services.GetRequiredService<StandardWebhookVerifier>(), services.GetRequiredService<StandardEventParser>()),
            new(SendGridProvider, "/sendgrid", SendGridWebhookOptions.VerificationKeyKey,
                services.GetRequiredService<SendGridWebhookVerifier>(), services.GetRequiredService<SendGridEventParser>())
            {
                MaxBodyBytes = sendGrid.MaxBodyBytes,
            },
            new(MailgunProvider, "/mailgun", MailgunWebhookOptions.SigningKeyKey,
                services.GetRequiredService<MailgunWebhookVerifier>(), services.GetRequiredService<MailgunEventParser>()),
        ];
    }

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/webhooks").WithTags("Webhooks");
        var logger = app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebhookEndpoints));

        foreach (var provider in Providers(app.ServiceProvider))
        {
            if (!provider.Verifier.IsConfigured)
            {
                LogNotServed(logger, $"/webhooks{provider.Route}", provider.KeySetting);
                continue;
            }
            group.MapPost(provider.Route, (HttpContext http, WebhookReceiver receiver) => ReceiveAsync(http, receiver, provider))
                .WithName($"Receive{char.ToUpperInvariant(provider.Name[0])}{provider.Name[1..]}Webhook")
                .DisableAntiforgery();
        }

        return app;
    }

    public static Task<Results<Accepted<AcceptedEvents>, ProblemHttpResult>> ReceiveAsync(
        HttpContext http, WebhookReceiver receiver, WebhookProvider provider) =>
        receiver.ReceiveAsync(http, provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Route} is not served: {Key} is not set")]
    static partial void LogNotServed(ILogger logger, string route, string key);
}
