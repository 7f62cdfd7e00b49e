using System.ComponentModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

namespace Platform.Bench.Mcp;

/// <summary>
/// The baseline of issues 4 and 8: a minimal ModelContextProtocol.AspNetCore server, stateless like ToolExecution,
/// with the same echo tool and nothing else (no auth, rate limits, event store or audit).
/// </summary>
public sealed class BareMcpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BareMcpServer(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public static async Task<BareMcpServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMcpServer(server => server.ServerInfo = new() { Name = "bare", Version = "1.0.0" })
            .WithHttpTransport(http => http.Stateless = true)
            .WithTools<BareEchoTool>();
        var app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new BareMcpServer(app, new Uri(address.TrimEnd('/') + "/mcp"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    [McpServerToolType]
    public sealed class BareEchoTool
    {
        [McpServerTool(Name = "echo", ReadOnly = true, Idempotent = true, OpenWorld = false)]
        [Description("Returns the message it is given.")]
        public static string Echo([Description("The text to send back.")] string message) => message;
    }
}
