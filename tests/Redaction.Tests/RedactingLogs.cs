using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Platform.Redaction.Logging;
using static Platform.Redaction.Tests.Samples;

namespace Platform.Redaction.Tests;

public sealed class RedactingLogs
{
    private const string M = Redactor.Mask;

    [Fact]
    public void Log_line_with_a_key_reaches_the_sink_redacted()
    {
        var sink = new CapturingLoggerProvider();
        using (var factory = LoggerFactory.Create(logging => logging.AddProvider(new RedactingLoggerProvider(sink))))
        {
            factory.CreateLogger("Keys").KeyIssued(ApiKey, Email);
        }

        var entry = Assert.Single(sink.Entries);
        Assert.Equal($"Issued {M} to {M}", entry.Message);
        Assert.Equal(entry.Message, entry.State);
    }

    [Fact]
    public void Exception_text_reaches_the_sink_redacted()
    {
        var sink = new CapturingLoggerProvider();
        using (var factory = LoggerFactory.Create(logging => logging.AddProvider(new RedactingLoggerProvider(sink))))
        {
            factory.CreateLogger("Keys").VerificationFailed(Thrown($"rejected key {ApiKey}"));
        }

        var entry = Assert.Single(sink.Entries);
        Assert.DoesNotContain(ApiKey, entry.Exception, StringComparison.Ordinal);
        Assert.Contains($"System.InvalidOperationException: rejected key {M}", entry.Exception, StringComparison.Ordinal);
        Assert.Contains(nameof(Thrown), entry.Exception, StringComparison.Ordinal);
    }

    [Fact]
    public void Scopes_reach_the_sink_redacted()
    {
        var sink = new CapturingLoggerProvider();
        using (var factory = LoggerFactory.Create(logging => logging.AddProvider(new RedactingLoggerProvider(sink))))
        {
            var logger = factory.CreateLogger("Http");
            using (LogMessages.RequestScope(logger, "/cb?access_token=abc"))
            {
                logger.Handled();
            }
        }

        var entry = Assert.Single(sink.Entries);
        Assert.Equal([$"Request /cb?access_token={M}"], entry.Scopes);
    }

    [Fact]
    public void Levels_the_sink_ignores_are_not_formatted()
    {
        var sink = new CapturingLoggerProvider();
        var formatted = false;
        using (var factory = LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            logging.AddProvider(new RedactingLoggerProvider(sink));
        }))
        {
            factory.CreateLogger("Quiet").Log(LogLevel.Debug, default, 0, null, (_, _) =>
            {
                formatted = true;
                return "debug";
            });
        }

        Assert.Empty(sink.Entries);
        Assert.False(formatted);
    }

    [Fact]
    public void Redacting_console_replaces_every_other_provider()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(new CapturingLoggerProvider()).AddRedactingConsole());
        using var provider = services.BuildServiceProvider();

        var only = Assert.Single(provider.GetServices<ILoggerProvider>());
        Assert.IsNotType<ConsoleLoggerProvider>(only);
        Assert.IsNotType<CapturingLoggerProvider>(only);
    }

    [Fact]
    public void Redacting_console_writes_redacted_lines_and_honours_console_filters()
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            var services = new ServiceCollection();
            services.AddLogging(logging => logging.AddRedactingConsole());
            services.Configure<LoggerFilterOptions>(options =>
            {
                options.Rules.Add(new LoggerFilterRule("Console", null, LogLevel.Warning, null));
                options.Rules.Add(new LoggerFilterRule("Console", "Noisy", LogLevel.None, null));
            });
            using (var provider = services.BuildServiceProvider())
            {
                var factory = provider.GetRequiredService<ILoggerFactory>();
                factory.CreateLogger("Keys").KeyLeaked(ApiKey, "Authorization: Bearer abc");
                factory.CreateLogger("Keys").Routine("below the Console level");
                factory.CreateLogger("Noisy").KeyLeaked("silenced for the Console alias", string.Empty);
            }
        }
        finally
        {
            Console.SetOut(original);
        }

        var written = output.ToString();
        Assert.Contains($"Leaked {M} in Authorization: Bearer {M}", written, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, written, StringComparison.Ordinal);
        Assert.DoesNotContain("below the Console level", written, StringComparison.Ordinal);
        Assert.DoesNotContain("silenced for the Console alias", written, StringComparison.Ordinal);
    }

    private static InvalidOperationException Thrown(string message)
    {
        try
        {
            throw new InvalidOperationException(message);
        }
        catch (InvalidOperationException exception)
        {
            return exception;
        }
    }
}
