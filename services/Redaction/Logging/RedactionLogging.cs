using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Platform.Redaction.Logging;

public static class RedactionLogging
{
    /// <summary>
    /// Replaces every logging provider with the console logger behind <see cref="RedactingLoggerProvider"/>.
    /// Providers added after this call are not redacted; add them before and they are cleared.
    /// </summary>
    public static ILoggingBuilder AddRedactingConsole(this ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);

        logging.ClearProviders();
        logging.AddConsole();

        // AddConsole registers the console provider as an ILoggerProvider, which the factory would use directly.
        // Built here instead, it is owned (and disposed) by the wrapper alone.
        logging.ClearProviders();
        logging.Services.AddSingleton<ILoggerProvider>(services => new ConsoleAlias(new RedactingLoggerProvider(
            new ConsoleLoggerProvider(
                services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>(),
                services.GetServices<ConsoleFormatter>()))));

        return logging;
    }

    /// <summary>
    /// Logging filters select providers by alias, so "Logging:Console:LogLevel" settings keep applying to the
    /// console output once it is wrapped.
    /// </summary>
    [ProviderAlias("Console")]
    private sealed class ConsoleAlias(RedactingLoggerProvider inner) : ILoggerProvider, ISupportExternalScope
    {
        public ILogger CreateLogger(string categoryName) => inner.CreateLogger(categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => inner.SetScopeProvider(scopeProvider);

        public void Dispose() => inner.Dispose();
    }
}
