using Microsoft.Extensions.Configuration;
using Platform.Provisioning;

namespace Platform.AppHost;

/// <summary>The secrets, PostgreSQL and Redis every service builds on, from the AppHost's settings.</summary>
public sealed record PlatformFoundation(
    PlatformSecrets Secrets,
    IResourceBuilder<IResourceWithConnectionString> Postgres,
    IResourceBuilder<IResourceWithConnectionString> Redis,
    string DataDirectory);

public static class PlatformFoundationExtensions
{
    /// <summary>
    /// False, after one line on standard error saying what is missing and how to provide it, when no PostgreSQL or Redis
    /// can be had: an operator needs that line, not a stack trace.
    /// </summary>
    public static bool TryAddPlatformFoundation(this IDistributedApplicationBuilder builder, out PlatformFoundation foundation)
    {
        var repository = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        try
        {
            CheckDashboardPortsAreFree(builder.Configuration);
            var options = DatastoreOptions.From(builder.Configuration, Path.Combine(repository, ".apphost"));
            foundation = new PlatformFoundation(
                builder.AddPlatformSecrets(options.DataDirectory),
                builder.AddPlatformPostgres(options),
                builder.AddPlatformRedis(options, repository),
                options.DataDirectory);
            return true;
        }
        catch (InfrastructureUnavailableException e)
        {
            Console.Error.WriteLine(e.Message);
            foundation = null!;
            return false;
        }
    }

    /// <summary>
    /// The dashboard's loopback ports are fixed by the launch profile, so a second AppHost beside a running one would
    /// fail deep inside Kestrel; this says so in one line first, and the running one is not disturbed.
    /// </summary>
    private static void CheckDashboardPortsAreFree(ConfigurationManager configuration)
    {
        foreach (var setting in new[] { "ASPNETCORE_URLS", "ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", "ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL" })
        {
            foreach (var url in (configuration[setting] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Port > 0 && !Platform.Provisioning.Processes.FreePort.IsFree(uri.Port))
                {
                    throw new InfrastructureUnavailableException(
                        $"Port {uri.Port} of the Aspire dashboard ({setting}) is in use: another AppHost is probably running. "
                        + "Stop it first, or run this one with other ports (environment ASPNETCORE_URLS, ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL, "
                        + "ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL) and its own --AppHost:DataDirectory.");
                }
            }
        }
    }
}
