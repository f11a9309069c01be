using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Webhook.Tests.Fixtures;

/// <summary>Keeps every log message the host writes, for tests about what the log says.</summary>
public sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    sealed class Logger(LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture.Messages.Enqueue(formatter(state, exception));
    }
}
