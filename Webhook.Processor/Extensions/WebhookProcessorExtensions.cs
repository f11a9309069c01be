using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Webhook.Messaging;
using Webhook.Processor.Consumers;
using Webhook.Processor.Data;
using Webhook.Processor.Options;
using Webhook.Processor.Stats;
using Webhook.ServiceDefaults;
using Webhook.Slots;
using Webhook.Storage;

namespace Webhook.Processor.Extensions;

public static class WebhookProcessorExtensions
{
    public static WebApplicationBuilder AddWebhookProcessor(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ProcessorOptions>().BindConfiguration(ProcessorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PostgresOptions>().BindConfiguration(PostgresOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ProcessingMetrics>();
        services.AddSingleton<ConsumptionState>();
        services.AddServiceTelemetry([ProcessingMetrics.MeterName], t => t.AddNpgsql(), m => m.AddNpgsqlInstrumentation());

        // Registered before MassTransit: hosted services start in order, so the schema and the tables exist before
        // the first event is consumed.
        services.AddHostedService<DatabaseInitializer>();
        builder.AddDynamoDb();
        builder.AddDynamoTables(sp => sp.GetRequiredService<StatsTables>().Definitions());
        services.AddHostedService<InboxCleanupService>();

        // One pool for the statistics' slots, the inbox cleanup and the readiness check, and one for the events'
        // statements, whose sessions go back to it without a reset (PostgresOptions.ForStatements). No EF Core here: the
        // migrations run in a process of their own (SchemaMigration).
        services.AddSingleton(sp => DataSource(sp, PostgresOptions.Bounded));
        services.AddKeyedSingleton(PostgresOptions.StatementsDataSource, (sp, _) => DataSource(sp, PostgresOptions.ForStatements));
        services.AddSingleton<StoreGates>();
        // Each store's waits are tagged with it: the two limits fill up independently.
        services.AddSingleton(sp =>
        {
            var metrics = sp.GetRequiredService<ProcessingMetrics>();
            return new StatementSlots(SlotLocks.Postgres, sp.GetRequiredService<IOptions<ProcessorOptions>>().Value.ConcurrencyLimit,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StatementSlots>>(),
                waited => metrics.SlotTaken(ProcessingMetrics.PostgresStore, waited));
        });
        services.AddSingleton<IDatabaseSlots>(sp =>
        {
            var metrics = sp.GetRequiredService<ProcessingMetrics>();
            return new DatabaseSlots(sp.GetRequiredService<NpgsqlDataSource>(), SlotLocks.Statistics,
                sp.GetRequiredService<IOptions<ProcessorOptions>>().Value.ConcurrencyLimit, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<DatabaseSlots>>(), waited => metrics.SlotTaken(ProcessingMetrics.StatisticsStore, waited));
        });
        services.AddSingleton<IMarketingDataWriter>(sp => new MarketingDataWriter(
            sp.GetRequiredKeyedService<NpgsqlDataSource>(PostgresOptions.StatementsDataSource), sp.GetRequiredService<StatementSlots>(),
            sp.GetRequiredService<TimeProvider>()));

        services.AddScoped<IEmailStatistics, DynamoEmailStatistics>();

        services.AddHealthChecks()
            .AddCheck<ConsumptionHealthCheck>("consumption", tags: [ServiceDefaultsExtensions.ReadyTag])
            .AddCheck<PostgresHealthCheck>("postgres", tags: [ServiceDefaultsExtensions.ReadyTag])
            .Add(new HealthCheckRegistration("dynamodb",
                sp => new DynamoTableHealthCheck(sp.GetRequiredService<Amazon.DynamoDBv2.IAmazonDynamoDB>(), sp.GetRequiredService<StatsTables>().Counters),
                failureStatus: null, tags: [ServiceDefaultsExtensions.ReadyTag]));

        services.AddBrokerOptions();
        services.AddErrorQueueDeclaration();
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

    /// <summary>A pool on ConnectionStrings:Postgres, shaped for the limit by <paramref name="shape"/>.</summary>
    static NpgsqlDataSource DataSource(IServiceProvider services, Func<string, int, string> shape) => NpgsqlDataSource.Create(shape(
        services.GetRequiredService<IOptions<PostgresOptions>>().Value.Postgres!,
        services.GetRequiredService<IOptions<ProcessorOptions>>().Value.ConcurrencyLimit));
}
