using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Platform.ToolExecution.Tests;

/// <summary>A Kestrel listener on 127.0.0.1 that <c>http_fetch</c> reaches as <c>*.fetch.test</c> (see <see cref="McpApp"/>).</summary>
public sealed class LoopbackSite : IAsyncLifetime
{
    private WebApplication? _app;

    public int Port { get; private set; }

    public string Url(string host, string path) => $"http://{host}:{Port}{path}";

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet("/hello", () => Results.Text("hello from loopback", "text/plain; charset=utf-8"));
        _app.MapGet("/big", () => Results.Text(new string('x', 5000), "text/plain"));
        _app.MapGet("/redirect-ok", () => Results.Redirect("/hello"));
        _app.MapGet("/redirect-metadata", () => Results.Redirect("http://169.254.169.254/latest/meta-data/"));
        _app.MapGet("/redirect-internal-name", () => Results.Redirect("http://metadata.internal.test/"));
        _app.MapGet("/redirect-loop", () => Results.Redirect("/redirect-loop"));
        _app.MapGet("/redirect-file", () => Results.Redirect("file:///etc/passwd"));
        await _app.StartAsync();
        Port = new Uri(_app.Urls.First()).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
