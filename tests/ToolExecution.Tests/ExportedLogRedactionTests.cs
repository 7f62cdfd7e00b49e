using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using Platform.ServiceDefaults;

namespace Platform.ToolExecution.Tests;

/// <summary>
/// Log records exported over OTLP pass through the same redaction as the console: the OpenTelemetry logger provider
/// that every service registers (ServiceDefaults) used to see messages, exceptions and state unredacted.
/// </summary>
public sealed class ExportedLogRedactionTests
{
    // A checksum-valid key and a JWT: exactly what a leaked credential looks like (see Redaction.Tests/Samples).
    private const string ApiKey = "mcp_live_0123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEF0k5tZn";
    private const string Jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

    [Fact]
    public void Messages_state_and_exceptions_reach_the_OpenTelemetry_pipeline_redacted()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        var exported = new CapturingProcessor();
        builder.Services.ConfigureOpenTelemetryLoggerProvider(logs => logs.AddProcessor(exported));
        using (var host = builder.Build())
        {
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Platform.Test");
            logger.LogWarning("Verification failed for {Key} with token {Token}", ApiKey, Jwt);
            logger.LogError(new InvalidOperationException($"bad key {ApiKey}"), "Call failed");
        }

        Assert.Equal(2, exported.Lines.Count);
        Assert.All(exported.Lines, line =>
        {
            Assert.DoesNotContain(ApiKey, line, StringComparison.Ordinal);
            Assert.DoesNotContain(Jwt, line, StringComparison.Ordinal);
        });
        Assert.Contains("Verification failed for", exported.Lines.First(), StringComparison.Ordinal);
        Assert.Contains("Call failed", exported.Lines.Last(), StringComparison.Ordinal);
    }

    /// <summary>Everything an exporter could send of a record: message, body, attributes and exception.</summary>
    private sealed class CapturingProcessor : BaseProcessor<LogRecord>
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public override void OnEnd(LogRecord data)
        {
            var attributes = string.Join(";", (data.Attributes ?? []).Select(a => $"{a.Key}={a.Value}"));
            Lines.Enqueue($"{data.FormattedMessage}|{data.Body}|{attributes}|{data.Exception}");
        }
    }
}
