using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Webhook.ServiceDefaults;

/// <summary>
/// Says in the log when the host's readiness changes, and why: once when a dependency stops answering (naming it and
/// its reason), once when every dependency is back. A degraded host (ready, one of its checks saying what it cannot
/// do meanwhile) says so as a warning too. The health endpoints answer probes without logging each one, so a
/// host that is still starting, polled by a script or an orchestrator, logs no failure; a host that is still not ready
/// after <see cref="StartupGrace"/> says so as a warning.
/// </summary>
public sealed partial class ReadinessLog(ILogger<ReadinessLog> logger, TimeProvider time) : IHealthCheckPublisher
{
    public static readonly TimeSpan StartupGrace = TimeSpan.FromSeconds(30);

    readonly DateTimeOffset _started = time.GetUtcNow();
    HealthStatus? _last;
    string? _lastReasons;

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        var status = report.Status;
        var reasons = string.Join("; ", report.Entries
            .Where(e => e.Value.Status != HealthStatus.Healthy)
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => $"{e.Key}: {e.Value.Status} ({e.Value.Description ?? e.Value.Exception?.Message ?? "no reason given"})"));

        if (status == HealthStatus.Healthy)
        {
            if (_last is not null and not HealthStatus.Healthy)
                LogReady(logger);
        }
        else if (status != _last || reasons != _lastReasons)
        {
            if (status == HealthStatus.Degraded)
                LogDegraded(logger, reasons);
            else if (_last is null && time.GetUtcNow() - _started < StartupGrace)
                LogStarting(logger, reasons);
            else
                LogNotReady(logger, reasons);
        }
        _last = status;
        _lastReasons = status == HealthStatus.Healthy ? null : reasons;
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ready: every dependency answers")]
    static partial void LogReady(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ready, degraded: {Reasons}")]
    static partial void LogDegraded(ILogger logger, string reasons);

    [LoggerMessage(Level = LogLevel.Information, Message = "Not ready yet while starting: {Reasons}")]
    static partial void LogStarting(ILogger logger, string reasons);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not ready: {Reasons}")]
    static partial void LogNotReady(ILogger logger, string reasons);
}
