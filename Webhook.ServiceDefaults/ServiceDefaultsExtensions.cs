using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Webhook.ServiceDefaults;

/// <summary>
/// What every host of the product shares: OpenTelemetry metrics and logs, and traces exported over OTLP when
/// OTEL_EXPORTER_OTLP_ENDPOINT is set (recorded only then), console logs with UTC times, and the health endpoints the
/// deployments probe.
/// A host adds its own meters and sources with <see cref="AddServiceTelemetry"/>.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>The tag of the health checks /health/ready runs.</summary>
    public const string ReadyTag = "ready";

    public const string LivenessPath = "/health/live";
    public const string ReadinessPath = "/health/ready";

    const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });
        builder.AddConsoleDefaults();

        var otel = builder.Services.AddOpenTelemetry()
            .WithMetrics(m => m
                .AddMeter("MassTransit")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation());

        // Spans are recorded only where they go somewhere: with no exporter, listening to MassTransit and ASP.NET Core
        // made every request and every publish build activities and their tags only to drop them (2.2 KB allocated per
        // publish; docs/profiles.md, section 9).
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.WithTracing(t => t
                .AddSource(builder.Environment.ApplicationName)
                .AddSource("MassTransit")
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation());
            otel.UseOtlpExporter();
        }

        builder.Services.AddHealthChecks();
        // Probes are answered without a log line each (a host polled while it starts would log a failure per poll);
        // ReadinessLog says when readiness changes instead, checking every few seconds.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Critical);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IHealthCheckPublisher, ReadinessLog>();
        builder.Services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.FromSeconds(2);
            o.Period = TimeSpan.FromSeconds(5);
            o.Predicate = check => check.Tags.Contains(ReadyTag);
        });
        return builder;
    }

    /// <summary>
    /// Every console line carries its time, in UTC, whichever formatter the environment chose (simple in Development,
    /// JSON elsewhere); a format set in configuration wins. Also for a host's one-off commands, which log as it does.
    /// </summary>
    public static TBuilder AddConsoleDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.Configure<SimpleConsoleFormatterOptions>(o =>
        {
            o.TimestampFormat ??= TimestampFormat;
            o.UseUtcTimestamp = true;
        });
        builder.Services.Configure<JsonConsoleFormatterOptions>(o =>
        {
            o.TimestampFormat ??= TimestampFormat.TrimEnd();
            o.UseUtcTimestamp = true;
        });
        return builder;
    }

    /// <summary>A host's own meters and trace sources, beside the shared ones.</summary>
    public static IServiceCollection AddServiceTelemetry(this IServiceCollection services, string[] meters,
        Action<TracerProviderBuilder>? tracing = null, Action<MeterProviderBuilder>? metrics = null)
    {
        services.ConfigureOpenTelemetryMeterProvider(m =>
        {
            m.AddMeter(meters);
            metrics?.Invoke(m);
        });
        if (tracing is not null)
            services.ConfigureOpenTelemetryTracerProvider(tracing);
        return services;
    }

    /// <summary>
    /// The readiness report as JSON: the overall status, and each check's status and description, so that an operator
    /// (or a test) reads why a host is not ready. Descriptions name dependencies and their errors, never a secret.
    /// </summary>
    static Task WriteReportAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }

    /// <summary>
    /// /health/live: the process answers (no dependency is checked, so an outage of a dependency does not get the
    /// host restarted). /health/ready: the checks tagged <see cref="ReadyTag"/>, the dependencies the host needs to
    /// do its work. Both in every environment: the deployments probe them.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteReportAsync });
        return app;
    }
}
