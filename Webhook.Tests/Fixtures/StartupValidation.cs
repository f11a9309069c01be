using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webhook.Api.Extensions;
using Webhook.Console.Extensions;
using Webhook.Processor.Extensions;
using Webhook.ServiceDefaults;

namespace Webhook.Tests.Fixtures;

/// <summary>
/// A host's settings checked the way its start checks them first (<see cref="IStartupValidator"/>), on the host as its
/// Program registers it, built but never run. Not through WebApplicationFactory: that runs the application's entry
/// point on a thread of its own, and when the start fails, the entry point disposes the host while the factory is
/// still reading its services, so the test sees an ObjectDisposedException instead of the failure, now and then.
/// </summary>
public static class StartupValidation
{
    public static OptionsValidationException ApiFailure(IReadOnlyDictionary<string, string?> settings) =>
        FailureOf(ApiFactory.Settings, settings, b =>
        {
            b.AddServiceDefaults();
            b.AddWebhookApi();
        });

    public static OptionsValidationException ProcessorFailure(IReadOnlyDictionary<string, string?> settings) =>
        FailureOf(ProcessorHarnessFactory.Settings, settings, b =>
        {
            b.AddServiceDefaults();
            b.AddWebhookProcessor();
        });

    public static OptionsValidationException ConsoleFailure(IReadOnlyDictionary<string, string?> settings) =>
        FailureOf(ConsoleFactory.Settings, settings, b =>
        {
            b.AddServiceDefaults();
            b.AddWebhookConsole();
        });

    static OptionsValidationException FailureOf(IReadOnlyDictionary<string, string?> defaults, IReadOnlyDictionary<string, string?> settings,
        Action<WebApplicationBuilder> register)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        var all = new Dictionary<string, string?>(defaults);
        foreach (var (key, value) in settings)
            all[key] = value;
        builder.Configuration.AddInMemoryCollection(all);
        register(builder);
        using var app = builder.Build();
        return Assert.ThrowsAny<OptionsValidationException>(() => app.Services.GetRequiredService<IStartupValidator>().Validate());
    }
}
