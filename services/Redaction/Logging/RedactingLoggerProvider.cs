using Microsoft.Extensions.Logging;

namespace Platform.Redaction.Logging;

/// <summary>
/// Wraps a logger provider so that messages, exceptions and scopes reach it only after
/// <see cref="Redactor.RedactText"/>. The inner provider sees plain strings: structured state is dropped on
/// purpose, because its values are exactly where an unredacted secret would slip through.
/// </summary>
public sealed class RedactingLoggerProvider(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
{
    private readonly ILoggerProvider inner = inner ?? throw new ArgumentNullException(nameof(inner));

    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    /// <summary>
    /// The logger factory keeps scopes itself and hands this provider to loggers that support it; the inner
    /// provider gets a view of that store that redacts each scope as it is read.
    /// </summary>
    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
    {
        if (inner is ISupportExternalScope supportsScopes)
        {
            supportsScopes.SetScopeProvider(new RedactingScopeProvider(scopeProvider));
        }
    }

    public void Dispose() => inner.Dispose();

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull =>
            inner.BeginScope(Redactor.RedactText(state.ToString()));

        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            var message = Redactor.RedactText(formatter(state, exception));
            inner.Log(logLevel, eventId, message, RedactedException.From(exception), static (text, _) => text);
        }
    }

    private sealed class RedactingScopeProvider(IExternalScopeProvider inner) : IExternalScopeProvider
    {
        public void ForEachScope<TState>(Action<object?, TState> callback, TState state) =>
            inner.ForEachScope(
                static (scope, context) => context.callback(Redactor.RedactText(scope?.ToString()), context.state),
                (callback, state));

        public IDisposable Push(object? state) => inner.Push(state);
    }
}
