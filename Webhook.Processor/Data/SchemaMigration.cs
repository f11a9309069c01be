using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;
using Npgsql;
using Webhook.Processor.Options;
using Webhook.ServiceDefaults;

namespace Webhook.Processor.Data;

/// <summary>
/// <c>dotnet Webhook.Processor.dll --migrate</c>: applies the committed migrations, seeds the quick start's sample data
/// when Processor:SeedSampleData is set, and exits (0 when done, 1 when it could not be done). It reads the same
/// configuration as the Processor. Waits for PostgreSQL to come up (it may start after the Processor), then gives up.
/// <para>
/// The Processor runs it as a process of its own before it consumes (<see cref="DatabaseInitializer"/>), so EF Core's
/// model, its migrations and the code compiled for them never enter the process that runs for days: without them an
/// idle Processor's resident set was 33 MiB smaller (docs/profiles.md, section 6). Its events are written with plain
/// Npgsql statements (MarketingDataWriter). A deployment may also run it as a step of its own, before the Processors
/// start.
/// </para>
/// </summary>
public static partial class SchemaMigration
{
    public const string Argument = "--migrate";

    /// <summary>
    /// The id of the newest migration in Migrations/: a Processor whose database holds it starts without this process
    /// (<see cref="DatabaseInitializer"/>). A test holds it to the migrations, so a new one cannot be left out.
    /// </summary>
    public const string Newest = "20261201101804_InboxRetainedRows";

    static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(2);

    public static bool IsRequested(string[] args) => args.Contains(Argument, StringComparer.Ordinal);

    /// <summary>Migrates with the configuration <paramref name="args"/> (and the environment, and appsettings) give.</summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args.Where(a => a != Argument).ToArray());
        builder.AddConsoleDefaults();
        builder.Services.AddOptions<ProcessorOptions>().BindConfiguration(ProcessorOptions.Section).ValidateDataAnnotations();
        builder.Services.AddOptions<PostgresOptions>().BindConfiguration(PostgresOptions.Section).ValidateDataAnnotations();
        builder.Services.AddDbContext<WebhookDbContext>((sp, o) => o.UseNpgsql(PostgresOptions.Bounded(
            sp.GetRequiredService<IOptions<PostgresOptions>>().Value.Postgres!, concurrencyLimit: 1)));
        await using var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SchemaMigration));
        try
        {
            var seed = app.Services.GetRequiredService<IOptions<ProcessorOptions>>().Value.SeedSampleData;
            var started = Stopwatch.GetTimestamp();
            await MigrateAsync(app.Services, seed, logger, cancellationToken).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started);
            LogDone(logger, elapsed.TotalSeconds);
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            LogInvalid(logger, ex.Message);
            return 1;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, ex);
            return 1;
        }
    }

    static async Task MigrateAsync(IServiceProvider services, bool seed, ILogger logger, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + GiveUpAfter;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<WebhookDbContext>();
                await EnsureHistoryTableAsync(db, ct).ConfigureAwait(false);
                await db.Database.MigrateAsync(ct).ConfigureAwait(false);
                if (seed)
                    await SampleData.SeedAsync(db, ct).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (DateTime.UtcNow < deadline && PostgresFailures.IsTransient(ex) && !ct.IsCancellationRequested)
            {
                LogWaiting(logger, ex, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Creates EF Core's migrations history table when it is missing. MigrateAsync would read it first anyway, and on a
    /// new database that read fails and is logged as an error although nothing is wrong.
    /// </summary>
    static async Task EnsureHistoryTableAsync(WebhookDbContext db, CancellationToken ct)
    {
        try
        {
            await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), ct).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Another replica created it at the same moment.
        }
    }

    /// <summary>
    /// This process's binary again, with its own arguments and <see cref="Argument"/>: <c>dotnet Webhook.Processor.dll
    /// … --migrate</c> when it was started through dotnet, <c>Webhook.Processor … --migrate</c> when through its own
    /// executable. It inherits the environment, the working directory and the console.
    /// </summary>
    public static ProcessStartInfo ChildProcess()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("The Processor's executable is not known.");
        var info = new ProcessStartInfo(path) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
            info.ArgumentList.Add(typeof(SchemaMigration).Assembly.Location);
        // The first is the entry point itself.
        foreach (var arg in Environment.GetCommandLineArgs().Skip(1))
            info.ArgumentList.Add(arg);
        info.ArgumentList.Add(Argument);
        return info;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL not ready yet (attempt {Attempt}); waiting")]
    static partial void LogWaiting(ILogger logger, Exception exception, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "The database is migrated ({Seconds:0.0} s)")]
    static partial void LogDone(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The database was not migrated: {Problem}")]
    static partial void LogInvalid(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The database was not migrated")]
    static partial void LogFailed(ILogger logger, Exception exception);
}
