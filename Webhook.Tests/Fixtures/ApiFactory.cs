using System.Net;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Api.Ingestion;
using Webhook.Messaging.Publishing;
using Webhook.Storage;
using Webhook.Testing;

namespace Webhook.Tests.Fixtures;

/// <summary>
/// The API as registered in production, publishing to MassTransit's in-memory test harness in place of the broker and every
/// provider configured with the tests' keys. <paramref name="configurePublish"/> can make publishing slow or failing,
/// as a broker in trouble would; <paramref name="configureServices"/> replaces services (a fake clock, say).
/// A request with the <see cref="ClientIpHeader"/> header comes from that address, so tests can play several clients.
/// </summary>
public sealed class ApiFactory(
    Dictionary<string, string?>? settings = null,
    Action<IPublishPipeConfigurator>? configurePublish = null,
    Action<IServiceCollection>? configureServices = null) : WebApplicationFactory<WebhookReceiver>
{
    public const string ClientIpHeader = "X-Test-Client-Ip";

    /// <summary>What every API here is given before a test's own settings.</summary>
    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/",
        ["Webhooks:Email:Secret"] = Signing.TestSecret,
        ["Webhooks:SendGrid:VerificationKey"] = Signing.SendGridVerificationKey,
        ["Webhooks:Mailgun:SigningKey"] = Signing.MailgunSigningKey,
        // Mailgun's single-use tokens live in DynamoDB: none here, an in-memory store takes its place.
        ["AWS:ServiceURL"] = "http://127.0.0.1:1",
        ["Stats:CreateTables"] = "false",
        // The in-memory harness confirms at once, however busy the machine: a long timeout means no test races it.
        // The tests of the timeout itself set a short one and make the publish hang for good.
        ["Webhooks:PublishTimeout"] = "00:01:00",
    };

    public ITestHarness Harness => Services.GetRequiredService<ITestHarness>();

    /// <summary>The single-use tokens the API claimed, in memory in place of DynamoDB.</summary>
    public InMemorySingleUseTokens Tokens { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in Settings.Concat(settings ?? []))
            builder.UseSetting(key, value);

        builder.ConfigureTestServices(services =>
        {
            services.Configure<TestHarnessOptions>(o => o.TestInactivityTimeout = TimeSpan.FromMilliseconds(500));
            services.AddMassTransitTestHarness(x => x.UsingInMemory((context, cfg) =>
            {
                if (configurePublish is not null)
                    cfg.ConfigurePublish(configurePublish);
                cfg.ConfigureEndpoints(context);
            }));
            services.UseMassTransitEventPublishing();
            services.AddSingleton<IStartupFilter>(new ClientIpFromHeader(ClientIpHeader));
            services.AddSingleton<ISingleUseTokens>(Tokens);
            configureServices?.Invoke(services);
        });
    }
}
