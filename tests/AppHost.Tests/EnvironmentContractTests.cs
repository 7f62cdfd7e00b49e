using Platform.AppHost.Model;
using Platform.AppHost.Orchestration;

namespace Platform.AppHost.Tests;

public sealed class EnvironmentContractTests
{
    private static readonly Dictionary<string, Uri> Urls = new()
    {
        ["auth"] = new("http://127.0.0.1:5001"),
        ["tool-execution"] = new("http://127.0.0.1:5002"),
        ["audit"] = new("http://127.0.0.1:5003"),
    };

    private static readonly Dictionary<string, string> ConnectionStrings = new() { ["postgres"] = "Host=x", ["redis"] = "127.0.0.1:6379" };

    [Fact]
    public void Environment_and_otlp_endpoint_set_for_the_apphost_are_passed_on()
    {
        var inherited = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4317", ["DOTNET_ENVIRONMENT"] = "Staging" };

        var environment = EnvironmentContract.For(PlatformModel.Services[1], Urls, ConnectionStrings, "mcp_admin_x", "svc_x", 42, inherited.GetValueOrDefault);

        Assert.Equal("http://127.0.0.1:4317", environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("Staging", environment["DOTNET_ENVIRONMENT"]);
        Assert.Equal("Development", environment["ASPNETCORE_ENVIRONMENT"]);
        Assert.Equal("http://127.0.0.1:5002", environment["ASPNETCORE_URLS"]);
        Assert.Equal("42", environment["APPHOST_PARENT_PID"]);
        Assert.False(environment.ContainsKey("Auth__BootstrapAdminKey"));
        Assert.Equal("svc_x", environment["Platform__ServiceKey"]);
    }

    [Fact]
    public void Without_an_otlp_endpoint_none_is_set()
    {
        var environment = EnvironmentContract.For(PlatformModel.Services[0], Urls, ConnectionStrings, "mcp_admin_x", "svc_x", 42, _ => null);

        Assert.False(environment.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT"));
        Assert.Equal("mcp_admin_x", environment["Auth__BootstrapAdminKey"]);
        Assert.Equal("svc_x", environment["Platform__ServiceKey"]);
        Assert.Equal("Host=x", environment["ConnectionStrings__postgres"]);
    }
}
