using Amazon.DynamoDBv2;
using Amazon.Runtime;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Webhook.Messaging;
using Webhook.Processor.Consumers;
using Webhook.Processor.Data;
using Webhook.Processor.Options;
using Webhook.Processor.Stats;

namespace Webhook.Processor.Extensions;

public static class WebhookProcessorExtensions
{
    public const string PostgresConnectionName = "Postgres";

    public static WebApplicationBuilder AddWebhookProcessor(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ProcessorOptions>().BindConfiguration(ProcessorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StatsOptions>().BindConfiguration(StatsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ProcessingMetrics>();

        // Registered before MassTransit: hosted services start in order, so the schema exists before consuming.
        services.AddHostedService<DatabaseInitializer>();
        services.AddHostedService<InboxCleanupService>();

        var postgres = builder.Configuration.GetConnectionString(PostgresConnectionName);
        if (string.IsNullOrWhiteSpace(postgres))
            throw new OptionsValidationException(PostgresConnectionName, typeof(string), [$"ConnectionStrings:{PostgresConnectionName} is not set."]);
        services.AddDbContext<WebhookDbContext>(o => o.UseNpgsql(postgres));
        services.AddScoped<IMarketingDataWriter, MarketingDataWriter>();

        AddDynamoDb(builder);
        services.AddSingleton(sp => new StatsTables(sp.GetRequiredService<IOptions<StatsOptions>>().Value));
        services.AddScoped<IEmailStatistics, DynamoEmailStatistics>();

        services.AddHealthChecks()
            .AddDbContextCheck<WebhookDbContext>("postgres", tags: ["ready"])
            .AddCheck<StatsHealthCheck>("dynamodb", tags: ["ready"]);

        services.AddBrokerOptions();
        services.AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            x.AddConsumer<EmailEventReceivedConsumer, EmailEventReceivedConsumerDefinition>();
            x.UsingConfiguredBroker();
        });
        // On shutdown the bus stops taking events and waits for those in flight to finish.
        services.AddOptions<MassTransitHostOptions>().Configure(o => o.StopTimeout = TimeSpan.FromSeconds(30));
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(45));

        return builder;
    }

    /// <summary>
    /// The AWS SDK's own configuration section "AWS" (ServiceURL, Region). With no ServiceURL the SDK talks to AWS.
    /// In Development, DynamoDB Local accepts any credentials, so fixed ones stand in when none are configured.
    /// </summary>
    static void AddDynamoDb(WebApplicationBuilder builder)
    {
        var serviceUrl = builder.Configuration["AWS:ServiceURL"];
        if (!string.IsNullOrEmpty(serviceUrl) && !Uri.TryCreate(serviceUrl, UriKind.Absolute, out _))
            throw new OptionsValidationException("AWS", typeof(string), [$"AWS:ServiceURL '{serviceUrl}' is not an absolute URL."]);
        var aws = builder.Configuration.GetAWSOptions();
        if (string.IsNullOrEmpty(serviceUrl) && aws.Region is null && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_REGION")))
            throw new OptionsValidationException("AWS", typeof(string), ["AWS:Region (or AWS:ServiceURL for DynamoDB Local) is not set."]);
        if (builder.Environment.IsDevelopment() && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")) && aws.Profile is null)
            aws.Credentials = new BasicAWSCredentials("local", "local");
        aws.DefaultClientConfig.Timeout = TimeSpan.FromSeconds(10);
        // With a ServiceURL the SDK drops the configured region and, on every request, looks for one to sign with:
        // it parses the URL, then tries its fallback chain, which throws and catches an exception each time.
        if (!string.IsNullOrEmpty(serviceUrl) && aws.Region is not null)
            aws.DefaultClientConfig.AuthenticationRegion = aws.Region.SystemName;

        builder.Services.AddDefaultAWSOptions(aws);
        builder.Services.AddAWSService<IAmazonDynamoDB>();
    }
}
