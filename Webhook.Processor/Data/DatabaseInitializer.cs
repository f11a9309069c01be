using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using Webhook.Processor.Options;

namespace Webhook.Processor.Data;

/// <summary>
/// Before the bus starts consuming: runs <see cref="SchemaMigration"/> (<c>--migrate</c>) as a process of its own and
/// waits for it, unless one statement finds the database already holding this build's newest migration
/// (<see cref="SchemaMigration.Newest"/>): a replica started beside running ones, or started again, then consumes
/// seconds sooner. The Processor does not start when the migration fails: its log, on the same console, says why.
/// </summary>
public sealed partial class DatabaseInitializer(NpgsqlDataSource dataSource, IOptions<ProcessorOptions> options,
    ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Seeding is the --migrate process's work, whatever the schema.
        if (!options.Value.SeedSampleData && await IsMigratedAsync(dataSource, cancellationToken))
        {
            LogMigrated(logger, SchemaMigration.Newest);
            return;
        }
        var info = SchemaMigration.ChildProcess();
        using var migration = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start.");
        LogStarted(logger, migration.Id);
        try
        {
            await migration.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            migration.Kill(entireProcessTree: true);
            throw;
        }
        if (migration.ExitCode != 0)
            throw new InvalidOperationException($"The database was not migrated: {SchemaMigration.Argument} (pid {migration.Id}) exited with {migration.ExitCode}; its log above says why.");
    }

    /// <summary>
    /// Whether EF Core's migrations history in the database holds <see cref="SchemaMigration.Newest"/> (the migrations
    /// are applied in order, so every one before it too). No when it cannot tell: no history yet, or PostgreSQL not up
    /// (the --migrate process then waits for it and decides).
    /// </summary>
    public static async Task<bool> IsMigratedAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand(
                """SELECT EXISTS (SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = $1)""");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = SchemaMigration.Newest });
            return await command.ExecuteScalarAsync(cancellationToken) is true;
        }
        catch (Exception ex) when ((ex is NpgsqlException or TimeoutException or InvalidOperationException) && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Migrating the database in process {Pid}")]
    static partial void LogStarted(ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "The database already has migration {Migration}, this build's newest: not migrating")]
    static partial void LogMigrated(ILogger logger, string migration);
}
