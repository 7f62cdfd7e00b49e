using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Platform.Sandbox.Tests.Network;

/// <summary>A real HTTP server bound to 127.0.0.1 only, on a port the OS picks.</summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private LoopbackServer(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<LoopbackServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LoopbackServer(app);

        app.Use((context, next) =>
        {
            Interlocked.Increment(ref server._requests);
            return next(context);
        });
        app.MapGet("/hello", () => "hello");
        app.MapGet("/redirect/{n:int}", (int n) => n <= 0 ? Results.Text("done") : Results.Redirect($"/redirect/{n - 1}"));
        app.MapGet("/to", (string location) => Results.Redirect(location));
        app.MapGet("/big", () => Results.Bytes(new byte[10_000], "application/octet-stream"));
        app.MapGet("/hang", async (HttpContext context) =>
        {
            await context.Response.StartAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });

        await app.StartAsync();
        server.Port = new Uri(app.Urls.Single()).Port;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
