using JasperFx;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Telemetry;

namespace Platform.ServiceDefaults;

/// <summary>What every Platform service gets, in the shape of .NET Aspire's ServiceDefaults.</summary>
public static class Extensions
{
    public const string LivenessTag = "live";
    public const string ReadinessTag = "ready";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.AddHttpHygiene();
        builder.AddPlatformCors();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LivenessTag]);
        return builder;
    }

    /// <summary>
    /// Health endpoints are mapped in every environment: Kubernetes probes need them in production too.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = r => r.Tags.Contains(LivenessTag) });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadinessTag) || r.Tags.Contains(LivenessTag) });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>
    /// Serves until stopped. Given a command (<c>codegen write</c>, <c>db-apply</c>, …) it runs the Critter Stack's
    /// command line instead; otherwise it skips that command line's discovery, which prints a line per assembly at every
    /// start. Options (<c>--urls</c>, <c>--environment</c>) are configuration, already read by the builder.
    /// </summary>
    public static async Task<int> RunServiceAsync(this WebApplication app, string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args is [var command, ..] && !command.StartsWith('-'))
        {
            return await app.RunJasperFxCommands(args).ConfigureAwait(false);
        }

        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
