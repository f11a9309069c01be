using Microsoft.AspNetCore.Http.HttpResults;
using Webhook.Api.Ingestion;
using Webhook.Api.Verification;

namespace Webhook.Api.Endpoints;

/// <summary>The providers' webhook routes, under /webhooks. A provider whose key is not configured is not mapped (404).</summary>
public static partial class WebhookEndpoints
{
    public const string StandardProvider = "standard";

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/webhooks").WithTags("Webhooks");
        var logger = app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebhookEndpoints));

        if (app.ServiceProvider.GetRequiredService<StandardWebhookVerifier>().IsConfigured)
            group.MapPost("/email", ReceiveStandardAsync).WithName("ReceiveStandardWebhook").DisableAntiforgery();
        else
            LogNotServed(logger, "/webhooks/email", "Webhooks:Email:Secret");

        return app;
    }

    public static Task<Results<Accepted<AcceptedEvents>, ProblemHttpResult, ValidationProblem>> ReceiveStandardAsync(
        HttpContext http, WebhookReceiver receiver, StandardWebhookVerifier verifier, StandardEventParser parser) =>
        receiver.ReceiveAsync(http, StandardProvider, verifier, parser);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Route} is not served: {Key} is not set")]
    static partial void LogNotServed(ILogger logger, string route, string key);
}
