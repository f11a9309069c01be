using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Webhook.Api.Extensions;
using Webhook.Console.Extensions;
using Webhook.Processor.Extensions;
using Webhook.ServiceDefaults;
using Webhook.Testing;

namespace Webhook.Aws.Tests.Fixtures;

/// <summary>A host of the product, as its Program.cs registers it.</summary>
public sealed record HostProject(string Project, Action<WebApplicationBuilder> Register)
{
    public static readonly HostProject Api = new("Webhook.Api", b => b.AddWebhookApi());
    public static readonly HostProject Processor = new("Webhook.Processor", b => b.AddWebhookProcessor());
    public static readonly HostProject Console = new("Webhook.Console", b => b.AddWebhookConsole());

    public static IReadOnlyList<HostProject> All => [Api, Processor, Console];

    /// <summary>The host of that project (Webhook.Api, …).</summary>
    public static HostProject Named(string project) => All.Single(h => h.Project == project);

    public override string ToString() => Project;
}

/// <summary>
/// What a host makes of exactly the environment a deployment gives it: built as its Program.cs builds it
/// (AddServiceDefaults, then the host's own registration), with the image's appsettings.json and the given variables
/// as its only configuration, then the start-up validation run that <c>app.Run()</c> would run first. Nothing is
/// started: no broker, database or table is needed.
/// </summary>
public sealed class HostStartup
{
    HostStartup(IReadOnlyList<string> failures, IReadOnlySet<string> readKeys, TimeSpan drainTime)
    {
        Failures = failures;
        ReadKeys = readKeys;
        DrainTime = drainTime;
    }

    /// <summary>The messages of the options that failed validation; empty when the host would start.</summary>
    public IReadOnlyList<string> Failures { get; }

    public bool Starts => Failures.Count == 0;

    /// <summary>Every configuration key the host looked up while it was built and validated (":" form).</summary>
    public IReadOnlySet<string> ReadKeys { get; }

    /// <summary>How long the host drains on SIGTERM: its shutdown timeout, or its bus's stop timeout if longer.</summary>
    public TimeSpan DrainTime { get; }

    /// <param name="environment">Environment variables as the container gets them ("__" for ":").</param>
    public static HostStartup Of(HostProject host, IReadOnlyDictionary<string, string> environment)
    {
        var contentRoot = Path.Combine(Repository.Root, host.Project);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = host.Project,
            EnvironmentName = Environments.Production,
            ContentRootPath = contentRoot,
        });
        // Only what the container has: the published appsettings.json, and the deployment's variables, read the way
        // the environment variables provider reads them.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddJsonFile(Path.Combine(contentRoot, "appsettings.json"), optional: false);
        var recording = new RecordingConfigurationSource(
            environment.ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value, StringComparer.OrdinalIgnoreCase));
        ((IConfigurationBuilder)builder.Configuration).Add(recording);

        builder.AddServiceDefaults();
        host.Register(builder);
        using var app = builder.Build();

        var failures = new List<string>();
        try
        {
            app.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (OptionsValidationException ex)
        {
            failures.AddRange(ex.Failures);
        }
        catch (AggregateException ex)
        {
            failures.AddRange(ex.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures));
        }

        var shutdown = app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
        var busStop = app.Services.GetRequiredService<IOptions<MassTransitHostOptions>>().Value.StopTimeout ?? TimeSpan.Zero;
        return new HostStartup(failures, recording.ReadKeys, shutdown > busStop ? shutdown : busStop);
    }
}

/// <summary>Configuration that remembers which keys were asked for.</summary>
sealed class RecordingConfigurationSource(IDictionary<string, string?> values) : IConfigurationSource
{
    readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlySet<string> ReadKeys
    {
        get
        {
            lock (_read)
                return _read.ToHashSet(StringComparer.OrdinalIgnoreCase);
        }
    }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(this, values);

    void Record(string key)
    {
        lock (_read)
            _read.Add(key);
    }

    sealed class Provider(RecordingConfigurationSource source, IDictionary<string, string?> values) : ConfigurationProvider
    {
        public override void Load() => Data = new Dictionary<string, string?>(values, StringComparer.OrdinalIgnoreCase);

        public override bool TryGet(string key, out string? value)
        {
            source.Record(key);
            return base.TryGet(key, out value);
        }
    }
}
