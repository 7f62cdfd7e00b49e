using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Redaction.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Platform.ServiceDefaults.Telemetry;

public static class OpenTelemetryExtensions
{
    /// <summary>Meter and activity source name prefix of everything Platform emits itself.</summary>
    public const string PlatformMeterPrefix = "Platform.";

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Schema migrations and per-message chatter are logged at Information by the Critter Stack; keep service
        // output readable. Expected optimistic-concurrency conflicts surface as 409s, not log noise.
        builder.Logging.AddFilter("Weasel", LogLevel.Warning);
        builder.Logging.AddFilter("Marten", LogLevel.Warning);
        builder.Logging.AddFilter("Wolverine", LogLevel.Warning);
        builder.Logging.AddFilter("JasperFx", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        // The MCP SDK logs three Information lines per request ("handler called/completed"); each one costs a
        // redaction pass and a console write on the hot path, and traces already carry the same facts.
        builder.Logging.AddFilter("ModelContextProtocol", LogLevel.Warning);

        // Console output passes through the one redaction place (Platform.Redaction) so that no key, token or
        // password reaches a log line, whatever a message or exception carries.
        builder.Logging.AddRedactingConsole();
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });
        // What is exported over OTLP passes through the same redaction as the console.
        builder.Logging.RedactProvider<OpenTelemetryLoggerProvider>();

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter("Wolverine*", "Marten*", PlatformMeterPrefix + "*")
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new BackgroundWorkSampler()))
                .AddSource(builder.Environment.ApplicationName, "Wolverine", "Marten", PlatformMeterPrefix + "*")
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsInfrastructurePath(ctx.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql());

        // OTLP only when an endpoint is configured, exactly as Aspire's ServiceDefaults do.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Health probes and scrapes are excluded from traces: they are noise at probe frequency.</summary>
    public static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
