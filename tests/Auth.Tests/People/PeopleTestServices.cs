using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Redaction;

namespace Platform.Auth.Tests.People;

/// <summary>Every log message of a host, kept both raw and as the redacting providers would write it.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _messages = new();

    public IReadOnlyList<string> Raw => [.. _messages];

    public IReadOnlyList<string> Redacted => [.. _messages.Select(Redactor.RedactText)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs._messages.Enqueue($"{category}: {formatter(state, exception)} {exception}");
    }
}

public static class PeopleTestServices
{
    /// <summary>The header a test sets to choose its client address (the test server has none).</summary>
    public const string ClientIpHeader = "X-Test-Client-Ip";

    public static void AddPeopleTestServices(this IServiceCollection services, CapturedLogs logs)
    {
        services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton<IStartupFilter>(new ClientIpFromHeader());
    }

    private sealed class ClientIpFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, nextMiddleware) =>
            {
                if (IPAddress.TryParse(http.Request.Headers[ClientIpHeader], out var address))
                {
                    http.Connection.RemoteIpAddress = address;
                }

                return nextMiddleware(http);
            });
            next(app);
        };
    }
}
