using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Webhook.ServiceDefaults;

namespace Webhook.Tests.ServiceDefaults;

/// <summary>Spans are built only where an exporter takes them; metrics are kept in every environment.</summary>
public class TelemetryTests
{
    [Fact]
    public void Should_record_no_spans_when_no_exporter_is_configured()
    {
        using var host = Build(otlpEndpoint: null);

        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.NotNull(host.Services.GetService<MeterProvider>());
    }

    [Fact]
    public void Should_record_spans_when_an_otlp_endpoint_is_configured()
    {
        using var host = Build(otlpEndpoint: "http://127.0.0.1:4317");

        Assert.NotNull(host.Services.GetService<TracerProvider>());
        Assert.NotNull(host.Services.GetService<MeterProvider>());
    }

    static IHost Build(string? otlpEndpoint)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        if (otlpEndpoint is not null)
            builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint;
        builder.AddServiceDefaults();
        return builder.Build();
    }
}
