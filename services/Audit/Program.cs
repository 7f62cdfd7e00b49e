using Platform.Audit.Apis;
using Platform.Audit.Extensions;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Http;

namespace Platform.Audit;

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
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapDefaultEndpoints();
        app.MapAuditApi();
        app.MapWebhooksApi();

        return await app.RunServiceAsync(args).ConfigureAwait(false);
    }
}
