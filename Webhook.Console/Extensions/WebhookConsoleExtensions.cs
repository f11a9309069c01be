using Amazon.DynamoDBv2;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Scalar.AspNetCore;
using Webhook.Console.DeadLetters;
using Webhook.Console.Endpoints;
using Webhook.Console.Events;
using Webhook.Console.Options;
using Webhook.Console.Security;
using Webhook.Console.Stats;
using Webhook.Messaging;
using Webhook.ServiceDefaults;
using Webhook.Storage;

namespace Webhook.Console.Extensions;

public static partial class WebhookConsoleExtensions
{
    public const string PostgresKey = "ConnectionStrings:Postgres";

    /// <summary>
    /// The people's host: the statistics (DynamoDB), the events (PostgreSQL's inbox) and the operators' queues (the
    /// broker), read with read-only intent except for the operators' actions on the queues; the JSON API with its
    /// OpenAPI document; the pages.
    /// </summary>
    public static WebApplicationBuilder AddWebhookConsole(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConsoleOptions>, PublishedConsoleKeyGuard>();
        services.AddOptions<ConsolePostgresOptions>().BindConfiguration("ConnectionStrings").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        BadRequestProblems.AddTo(services);
        // Behind a load balancer: the client's address (the sign-in budget is per client) and scheme (the cookie's
        // Secure flag) from the forwarded headers of known proxies only.
        services.AddKnownProxies();

        // DynamoDB: read only. The console never creates a table (the Processor does).
        builder.AddDynamoDb();
        services.AddSingleton<StatisticsReader>();

        // PostgreSQL: every session read only, whatever the connection string's user may do.
        services.AddSingleton(sp =>
        {
            var connection = new NpgsqlConnectionStringBuilder(sp.GetRequiredService<IOptions<ConsolePostgresOptions>>().Value.Postgres)
            {
                Options = "-c default_transaction_read_only=on",
                ApplicationName = "Webhook.Console",
            };
            return NpgsqlDataSource.Create(connection);
        });

        // The broker: the dead letters and the set-aside events (the operators' actions), the main queue's counts.
        services.AddOperatorQueues();
        services.AddSingleton<EventLocator>();
        services.AddSingleton<ReplayJobs>();

        services.AddHealthChecks()
            .Add(new HealthCheckRegistration("dynamodb",
                sp => new DynamoTableHealthCheck(sp.GetRequiredService<IAmazonDynamoDB>(), sp.GetRequiredService<StatsTables>().Counters),
                failureStatus: null, tags: [ServiceDefaultsExtensions.ReadyTag]))
            .AddCheck<PostgresHealthCheck>("postgres", tags: [ServiceDefaultsExtensions.ReadyTag]);

        AddSignIn(services);
        services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/", ConsoleRoles.PageStatistics);
            o.Conventions.AuthorizeFolder("/Events", ConsoleRoles.PageOperations);
            o.Conventions.AuthorizeFolder("/DeadLetters", ConsoleRoles.PageOperations);
            o.Conventions.AllowAnonymousToPage("/SignIn");
            o.Conventions.AllowAnonymousToPage("/AccessDenied");
        });
        services.AddOpenApi(o => o.AddDocumentTransformer<ApiKeyDocumentTransformer>());
        return builder;
    }

    /// <summary>
    /// Two ways in: the JSON API takes a key in X-Api-Key on every request (never the cookie, so that no page a
    /// browser visits can make it act); the pages take the key once, on the sign-in page, and keep a cookie (HTTP only,
    /// secure over HTTPS, SameSite strict) that is taken only while the key that signed in is still its role's, with
    /// anti-forgery tokens on every form.
    /// </summary>
    static void AddSignIn(IServiceCollection services)
    {
        services.AddSingleton<ConsoleKeys>();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "webhook-console";
                o.Cookie.HttpOnly = true;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.LoginPath = "/sign-in";
                o.LogoutPath = "/sign-out";
                o.AccessDeniedPath = "/access-denied";
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        // A cookie is taken only while the key that signed it in is still its role's key.
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme).Configure<ConsoleKeys>((o, keys) =>
            o.Events.OnValidatePrincipal = async context =>
            {
                var role = context.Principal?.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value;
                var fingerprint = context.Principal?.FindFirst(ConsoleKeys.FingerprintClaim)?.Value;
                if (role is null || fingerprint is null || fingerprint != keys.FingerprintOf(role))
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                }
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(ConsoleRoles.ApiStatistics, Policy(ApiKeyAuthenticationHandler.SchemeName, ConsoleRoles.Analyst, ConsoleRoles.Operator))
            .AddPolicy(ConsoleRoles.ApiOperations, Policy(ApiKeyAuthenticationHandler.SchemeName, ConsoleRoles.Operator))
            .AddPolicy(ConsoleRoles.PageStatistics, Policy(CookieAuthenticationDefaults.AuthenticationScheme, ConsoleRoles.Analyst, ConsoleRoles.Operator))
            .AddPolicy(ConsoleRoles.PageOperations, Policy(CookieAuthenticationDefaults.AuthenticationScheme, ConsoleRoles.Operator));
    }

    static AuthorizationPolicy Policy(string scheme, params string[] roles) =>
        new AuthorizationPolicyBuilder(scheme).RequireAuthenticatedUser().RequireRole(roles).Build();

    public static WebApplication MapWebhookConsole(this WebApplication app)
    {
        var keys = app.Services.GetRequiredService<ConsoleKeys>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Webhook.Console");
        if (!keys.AnalystEnabled)
            LogRoleDisabled(logger, ConsoleRoles.Analyst, ConsoleOptions.AnalystKeySetting);
        if (!keys.OperatorEnabled)
            LogRoleDisabled(logger, ConsoleRoles.Operator, ConsoleOptions.OperatorKeySetting);

        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi();
        // The reference page's script is served from the package itself, and nothing it does reaches another host (no
        // fonts from a CDN, no telemetry, no AI agent): it works with no internet.
        app.MapScalarApiReference(o => o.WithTitle("ScalableWebhook console API").DisableDefaultFonts().DisableTelemetry().DisableAgent());
        app.MapStatsEndpoints();
        app.MapExportEndpoints();
        app.MapEventEndpoints();
        app.MapDeadLetterEndpoints();
        app.MapSetAsideEndpoints();
        app.MapRazorPages();
        return app;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Role} role is disabled: {Key} is not set")]
    static partial void LogRoleDisabled(ILogger logger, string role, string key);
}

/// <summary>The PostgreSQL the Processor writes, read here with read-only sessions.</summary>
public sealed class ConsolePostgresOptions
{
    [System.ComponentModel.DataAnnotations.Required(ErrorMessage = "ConnectionStrings:Postgres is not set (for example Host=127.0.0.1;Port=25432;Database=webhook;Username=postgres).")]
    public string? Postgres { get; set; }
}
