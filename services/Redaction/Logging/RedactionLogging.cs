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
    /// Puts every registered <typeparamref name="TProvider"/> behind <see cref="RedactingLoggerProvider"/>, for a
    /// provider another library registers itself (OpenTelemetry's, which exports logs over OTLP). Call it after that
    /// library's registration. Provider-specific filter settings ("Logging:&lt;alias&gt;:LogLevel") stop matching the
    /// wrapped provider; category filters keep applying.
    /// </summary>
    public static ILoggingBuilder RedactProvider<TProvider>(this ILoggingBuilder logging)
        where TProvider : ILoggerProvider
    {
        ArgumentNullException.ThrowIfNull(logging);
        foreach (var registration in logging.Services.Where(d => d.ServiceType == typeof(ILoggerProvider) && ImplementationOf(d) == typeof(TProvider)).ToList())
        {
            logging.Services.Remove(registration);
            logging.Services.AddSingleton<ILoggerProvider>(services => new RedactingLoggerProvider(Create(registration, services)));
        }

        return logging;
    }

    private static Type? ImplementationOf(ServiceDescriptor registration) =>
        registration.ImplementationType
        ?? registration.ImplementationInstance?.GetType()
        // A factory registration's implementation type is the factory's return type: Func<IServiceProvider, TProvider>.
        ?? registration.ImplementationFactory?.GetType().GenericTypeArguments[^1];

    private static ILoggerProvider Create(ServiceDescriptor registration, IServiceProvider services) =>
        (ILoggerProvider)(registration.ImplementationInstance
            ?? registration.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, registration.ImplementationType!));

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
