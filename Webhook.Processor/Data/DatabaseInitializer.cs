using System.Diagnostics;

namespace Webhook.Processor.Data;

/// <summary>
/// Before the bus starts consuming: runs <see cref="SchemaMigration"/> (<c>--migrate</c>) as a process of its own and
/// waits for it. The Processor does not start when it fails: its log, on the same console, says why.
/// </summary>
public sealed partial class DatabaseInitializer(ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
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

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Migrating the database in process {Pid}")]
    static partial void LogStarted(ILogger logger, int pid);
}
