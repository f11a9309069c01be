using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Webhook.Processor.Consumers;

/// <summary>
/// Whether this Processor is working through the queue or waiting for a failure that is not the events' own to be
/// fixed (<see cref="EventFailures"/>): a store down, a table missing, access denied. It says so once in the log when
/// consumption pauses and once when it resumes, and the readiness check names the cause while it lasts.
/// </summary>
public sealed partial class ConsumptionState(TimeProvider time, ILogger<ConsumptionState> logger)
{
    readonly Lock _lock = new();
    Pause? _pause;

    /// <summary>The pause in progress, if any.</summary>
    public Pause? Current
    {
        get
        {
            lock (_lock)
                return _pause;
        }
    }

    /// <summary>An attempt failed for a reason that is not the event's own: the event will be tried again.</summary>
    public void Failed(Exception exception)
    {
        var reason = Describe(exception);
        bool first;
        lock (_lock)
        {
            first = _pause is null;
            _pause = first ? new Pause(reason, time.GetUtcNow(), 1) : _pause! with { Reason = reason, Failures = _pause.Failures + 1 };
        }
        if (first)
            LogPaused(logger, exception, reason);
    }

    /// <summary>An event went through: whatever the pause was, it is over.</summary>
    public void Succeeded()
    {
        Pause? ended;
        lock (_lock)
        {
            ended = _pause;
            _pause = null;
        }
        if (ended is not null)
        {
            var duration = time.GetUtcNow() - ended.Since;
            LogResumed(logger, duration, ended.Failures);
        }
    }

    /// <summary>The exception's type and message, and its innermost one's, which often names the store's own reason.</summary>
    static string Describe(Exception exception)
    {
        var inner = exception;
        while (inner.InnerException is { } next)
            inner = next;
        var text = $"{exception.GetType().Name}: {exception.Message}";
        return ReferenceEquals(inner, exception) ? text : $"{text} ({inner.GetType().Name}: {inner.Message})";
    }

    /// <param name="Reason">What the last failed attempt said.</param>
    /// <param name="Since">When the first of these failures happened.</param>
    /// <param name="Failures">Attempts failed since then.</param>
    public sealed record Pause(string Reason, DateTimeOffset Since, int Failures);

    [LoggerMessage(Level = LogLevel.Error, Message = "Consumption paused: {Reason}. No event is dead-lettered for it: the events wait in the queue, and those in hand are retried until it is fixed.")]
    static partial void LogPaused(ILogger logger, Exception exception, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consumption resumed after {Duration} and {Failures} failed attempts")]
    static partial void LogResumed(ILogger logger, TimeSpan duration, int failures);
}

/// <summary>Not ready while consumption is paused, naming why: what a deployment's probe and an operator see.</summary>
public sealed class ConsumptionHealthCheck(ConsumptionState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.Current is { } pause
            ? HealthCheckResult.Unhealthy($"paused since {pause.Since:O} after {pause.Failures} failed attempts: {pause.Reason}")
            : HealthCheckResult.Healthy("consuming"));
}
