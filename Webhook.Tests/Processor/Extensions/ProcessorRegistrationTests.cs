using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webhook.Processor.Consumers;
using Webhook.Processor.Extensions;
using Webhook.Slots;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Processor.Extensions;

/// <summary>The Processor as AddWebhookProcessor registers it: settings checked at start, and how PostgreSQL work is run.</summary>
public class ProcessorRegistrationTests
{
    [Theory]
    [InlineData("ConnectionStrings:Postgres", "", "ConnectionStrings:Postgres")]
    [InlineData("Processor:ConcurrencyLimit", "0", "Processor:ConcurrencyLimit")]
    [InlineData("Processor:InboxRetention", "00:01:00", "Processor:InboxRetention")]
    [InlineData("AWS:ServiceURL", "not a url", "AWS:ServiceURL")]
    [InlineData("Stats:TablePrefix", "no spaces", "Stats:TablePrefix")]
    [InlineData("ConnectionStrings:RabbitMq", "http://127.0.0.1/", "ConnectionStrings:RabbitMq")]
    public void Should_refuse_to_start_the_processor_naming_the_key_when_a_setting_is_invalid(string key, string value, string named)
    {
        var error = StartupValidation.ProcessorFailure(new Dictionary<string, string?> { [key] = value });

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_register_nothing_of_ef_core_in_the_running_processor()
    {
        // EF Core is for the migrations, which run in a process of their own (SchemaMigration): whatever the running
        // Processor registered of it would load its assemblies and build its model there.
        var builder = WebApplication.CreateBuilder();
        builder.AddWebhookProcessor();

        Assert.DoesNotContain(builder.Services, d => IsEfCore(d.ServiceType) || d.ImplementationType is { } type && IsEfCore(type));
    }

    static bool IsEfCore(Type type) =>
        type.Assembly.GetName().Name!.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)
        || type.IsGenericType && type.GetGenericArguments().Any(IsEfCore);

    [Fact]
    public async Task Should_record_a_wait_for_postgresql_slots_under_the_postgres_store()
    {
        await using var factory = new ProcessorHarnessFactory(new RecordingMarketingData(), new InMemoryStatistics());
        var meters = factory.Services.GetRequiredService<IMeterFactory>();
        var stores = new List<object?>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == ProcessingMetrics.SlotWaitInstrument)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "store")
                    stores.Add(tag.Value);
        });
        listener.Start();

        await factory.Services.GetRequiredService<StatementSlots>().RunAsync(_ => Task.FromResult<int?>(1), CancellationToken.None);

        Assert.Equal([ProcessingMetrics.PostgresStore], stores);
    }
}
