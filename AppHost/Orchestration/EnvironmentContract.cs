using System.Globalization;
using Platform.AppHost.Model;

namespace Platform.AppHost.Orchestration;

/// <summary>
/// The environment a service gets, exactly as Aspire's AppHost would set it, so a real Aspire AppHost
/// could replace ours without changing a service.
/// </summary>
public static class EnvironmentContract
{
    public static IReadOnlyDictionary<string, string> For(
        ServiceResource service,
        IReadOnlyDictionary<string, Uri> urls,
        IReadOnlyDictionary<string, string> connectionStrings,
        string adminKey,
        string serviceKey,
        int parentProcessId,
        Func<string, string?> inherited)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, connectionString) in connectionStrings)
        {
            environment[$"ConnectionStrings__{name}"] = connectionString;
        }

        foreach (var (name, url) in urls)
        {
            environment[$"services__{name}__http__0"] = Origin(url);
        }

        environment["ASPNETCORE_URLS"] = Origin(urls[service.Name]);
        environment["OTEL_SERVICE_NAME"] = service.Name;
        if (inherited("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } otlp)
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
        }

        foreach (var variable in new[] { "DOTNET_ENVIRONMENT", "ASPNETCORE_ENVIRONMENT" })
        {
            environment[variable] = inherited(variable) is { Length: > 0 } set ? set : "Development";
        }

        if (service.Name == PlatformModel.Auth)
        {
            environment[PlatformModel.BootstrapAdminKeyVariable] = adminKey;
        }

        environment[PlatformModel.ServiceKeyVariable] = serviceKey;

        // Services exit when this process disappears, so a SIGKILLed AppHost leaves no orphans.
        environment["APPHOST_PARENT_PID"] = parentProcessId.ToString(CultureInfo.InvariantCulture);
        return environment;
    }

    private static string Origin(Uri url) => url.GetLeftPart(UriPartial.Authority);
}
