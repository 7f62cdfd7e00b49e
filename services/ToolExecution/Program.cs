using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Http;
using Platform.ToolExecution.Extensions;
using Platform.ToolExecution.Mcp;
using Platform.ToolExecution.RateLimits;

namespace Platform.ToolExecution;

/// <summary>Entry point; public so integration tests can host the service with WebApplicationFactory.</summary>
public sealed class Program
{
    private Program()
    {
    }

    public static async Task<int> Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        builder.AddServiceDefaults();
        builder.AddApplicationServices();

        var app = builder.Build();

        app.UseHttpHygiene();
        app.UseAuthenticationFailureLimit();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMcpRequestGate();

        app.MapDefaultEndpoints();
        app.MapProtectedResourceMetadata();
        app.MapMcpEndpoint();

        return await app.RunServiceAsync(args).ConfigureAwait(false);
    }
}
