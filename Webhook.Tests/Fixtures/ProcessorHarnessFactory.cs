using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Webhook.Processor.Consumers;
using Webhook.Processor.Data;
using Webhook.Processor.Stats;
using Webhook.Slots;
using Webhook.Storage;

namespace Webhook.Tests.Fixtures;

/// <summary>
/// The Processor as registered in production (consumer, definition, retry, concurrency), with MassTransit's in-memory
/// harness in place of RabbitMQ, the two stores replaced by the given fakes and the database slots by counters. No
/// server is needed.
/// </summary>
public sealed class ProcessorHarnessFactory(
    IMarketingDataWriter marketingData,
    IEmailStatistics statistics,
    Dictionary<string, string?>? settings = null) : WebApplicationFactory<EmailEventReceivedConsumer>
{
    /// <summary>What every Processor here is given before a test's own settings.</summary>
    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Database=unused",
        ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/",
        ["AWS:ServiceURL"] = "http://127.0.0.1:1",
        // No DynamoDB here: the statistics are a fake, and no table is created at start.
        ["Stats:CreateTables"] = "false",
        ["Processor:RetryMinInterval"] = "00:00:00.010",
        ["Processor:RetryMaxInterval"] = "00:00:00.050",
    };

    public ITestHarness Harness => Services.GetRequiredService<ITestHarness>();

    /// <summary>The database slots, without a database.</summary>
    public CountingSlots Slots { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in Settings.Concat(settings ?? []))
            builder.UseSetting(key, value);

        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<IHostedService>(d => d.ImplementationType == typeof(DatabaseInitializer) || d.ImplementationType == typeof(InboxCleanupService)
                || d.ImplementationType == typeof(Webhook.Messaging.DeadLetters.ErrorQueueDeclaration));
            services.AddScoped(_ => marketingData);
            services.AddScoped(_ => statistics);
            services.AddSingleton<IDatabaseSlots>(Slots);
            services.Configure<TestHarnessOptions>(o => o.TestInactivityTimeout = TimeSpan.FromSeconds(1));
            services.AddMassTransitTestHarness();
        });
    }
}

static class ServiceCollectionTestExtensions
{
    public static void RemoveAll<T>(this IServiceCollection services, Func<ServiceDescriptor, bool> match)
    {
        foreach (var descriptor in services.Where(d => d.ServiceType == typeof(T) && match(d)).ToList())
            services.Remove(descriptor);
    }
}
