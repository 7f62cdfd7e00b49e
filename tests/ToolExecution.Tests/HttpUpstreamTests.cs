using System.ComponentModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Platform.Testing;

namespace Platform.ToolExecution.Tests;

/// <summary>ToolExecution with a small MCP server on 127.0.0.1 as the HTTP upstream <c>remote</c>.</summary>
public sealed class HttpUpstreamApp(PlatformInfrastructure infrastructure) : McpApp(infrastructure)
{
    private WebApplication? _upstream;
    private string _url = "";

    /// <summary>Every Authorization header the upstream received; the client's credential must never be among them.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> AuthorizationHeadersSeen { get; } = new();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Upstreams:remote:Url"] = _url,
        ["Upstreams:remote:AllowPrivateAddress"] = "true",
        // Same kind of address without the operator's opt-in: the SSRF guard keeps it from ever connecting.
        ["Upstreams:unguarded:Url"] = _url,
    };

    public override async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddMcpServer().WithHttpTransport(o => o.Stateless = true).WithTools<RemoteTools>();
        _upstream = builder.Build();
        _upstream.Use(async (http, next) =>
        {
            if (http.Request.Headers.Authorization.ToString() is { Length: > 0 } header)
            {
                AuthorizationHeadersSeen.Enqueue(header);
            }

            await next(http);
        });
        _upstream.MapMcp("/mcp");
        await _upstream.StartAsync();
        _url = new Uri(new Uri(_upstream.Urls.First()), "/mcp").AbsoluteUri;
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }

    [McpServerToolType]
    public sealed class RemoteTools
    {
        [McpServerTool(Name = "shout"), Description("Upper-cases the text.")]
        public static string Shout(string text) => text.ToUpperInvariant();
    }
}

public sealed class HttpUpstreamTests(HttpUpstreamApp app) : IClassFixture<HttpUpstreamApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_http_upstream_tool_is_proxied_without_the_callers_credential()
    {
        var key = await app.KeyAsync(["tools:list", "tools:call"]);
        await using var client = await app.ClientAsync(key);
        var tools = await client.UntilListedAsync("the HTTP upstream's tools", "remote.shout");

        var result = await client.CallToolAsync("remote.shout", new Dictionary<string, object?> { ["text"] = "quiet" }, cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("QUIET", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.DoesNotContain(app.AuthorizationHeadersSeen, header => header.Contains(key, StringComparison.Ordinal));
        Assert.DoesNotContain(tools, t => t.Name.StartsWith("unguarded.", StringComparison.Ordinal));
    }
}
