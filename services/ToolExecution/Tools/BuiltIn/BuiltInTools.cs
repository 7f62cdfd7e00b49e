using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Sandbox.Network;

namespace Platform.ToolExecution.Tools.BuiltIn;

internal static class BuiltInTools
{
    /// <summary>Services and configuration of the built-in tools other than <c>echo</c>.</summary>
    public static IMcpServerBuilder WithBuiltInTools(this IMcpServerBuilder server, IConfiguration configuration)
    {
        server.Services.Configure<WorkspaceOptions>(configuration.GetSection(WorkspaceOptions.Section));
        server.Services.Configure<HttpFetchOptions>(configuration.GetSection(HttpFetchOptions.Section));
        server.Services.AddSingleton<TenantWorkspaces>();
        // Tests replace the settings to reach a loopback listener; production never registers any exemption.
        server.Services.TryAddSingleton(new FetcherSettings());
        server.Services.AddSingleton(sp => new PinnedHttpFetcher(sp.GetRequiredService<FetcherSettings>()));
        return server.WithTools<FileTools>().WithTools<HttpFetchTool>();
    }
}
