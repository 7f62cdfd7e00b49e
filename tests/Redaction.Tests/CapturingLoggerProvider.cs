using Microsoft.Extensions.Logging;

namespace Platform.Redaction.Tests;

/// <summary>Records what a real sink would receive: the formatted message, the exception text and the scopes.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider? scopes;

    public List<CapturedEntry> Entries { get; } = [];

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

    public void Dispose()
    {
    }

    internal sealed record CapturedEntry(string Message, string? State, string? Exception, List<string?> Scopes);

    private sealed class CapturingLogger(CapturingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider.scopes?.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<string?>();
            provider.scopes?.ForEachScope((scope, list) => list.Add(scope?.ToString()), scopes);
            provider.Entries.Add(new CapturedEntry(formatter(state, exception), state?.ToString(), exception?.ToString(), scopes));
        }
    }
}
