using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Platform.Testing;

namespace Platform.ToolExecution.Tests;

/// <summary>ToolExecution with one browser origin configured for CORS.</summary>
public sealed class CorsMcpApp(PlatformInfrastructure infrastructure) : McpApp(infrastructure)
{
    public const string BrowserOrigin = "https://inspector.example";

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>
    {
        ["Cors:AllowedOrigins:0"] = BrowserOrigin,
    };
}

/// <summary>
/// Browser-based MCP clients: <c>/mcp</c> and the RFC 9728 metadata answer preflights and send CORS headers for the
/// configured origin, expose the headers a client must read, and nothing else sends CORS headers.
/// </summary>
public sealed class CorsTests(CorsMcpApp app) : IClassFixture<CorsMcpApp>
{
    private const string Origin = CorsMcpApp.BrowserOrigin;
    private const string ListTools = """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""";

    private static HttpRequestMessage Preflight(string path, string origin, string method = "POST") => new(HttpMethod.Options, path)
    {
        Headers =
        {
            { "Origin", origin },
            { "Access-Control-Request-Method", method },
            { "Access-Control-Request-Headers", "authorization, content-type, mcp-protocol-version, mcp-session-id, last-event-id" },
        },
    };

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    private static HttpRequestMessage PostMcp(string? origin, string? bearer)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(ListTools, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return request;
    }

    // Stateless (this fixture) maps POST only; in stateful mode GET and DELETE are routed the same way.
    [Theory]
    [InlineData("/mcp", "POST")]
    [InlineData("/.well-known/oauth-protected-resource", "GET")]
    [InlineData("/.well-known/oauth-protected-resource/mcp", "GET")]
    public async Task Preflight_from_a_configured_origin_is_answered_without_a_credential(string path, string method)
    {
        using var http = app.Tools.CreateClient();

        using var response = await http.SendAsync(Preflight(path, Origin, method), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(Origin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains(method, Header(response, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
        var allowed = Header(response, "Access-Control-Allow-Headers")!.ToLowerInvariant();
        foreach (var header in (string[])["authorization", "content-type", "mcp-protocol-version", "mcp-session-id", "last-event-id"])
        {
            Assert.Contains(header, allowed, StringComparison.Ordinal);
        }

        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Preflight_from_another_origin_gets_no_cors_headers()
    {
        using var http = app.Tools.CreateClient();

        using var response = await http.SendAsync(Preflight("/mcp", "https://evil.example"), TestContext.Current.CancellationToken);

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(response, "Access-Control-Allow-Headers"));
    }

    [Fact]
    public async Task A_browsers_401_exposes_the_challenge_so_the_client_can_discover_the_metadata()
    {
        using var http = app.Tools.CreateClient();

        using var response = await http.SendAsync(PostMcp(Origin, null), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(Origin, Header(response, "Access-Control-Allow-Origin"));
        var exposed = Header(response, "Access-Control-Expose-Headers")!;
        Assert.Contains("WWW-Authenticate", exposed, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Mcp-Session-Id", exposed, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Mcp-Protocol-Version", exposed, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("resource_metadata=", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configured_origin_calls_mcp_and_an_unconfigured_one_is_refused_without_cors_headers()
    {
        var key = await app.KeyAsync(["tools:list"]);
        using var http = app.Tools.CreateClient();

        using var allowed = await http.SendAsync(PostMcp(Origin, key), TestContext.Current.CancellationToken);
        using var refused = await http.SendAsync(PostMcp("https://evil.example", key), TestContext.Current.CancellationToken);
        using var noOrigin = await http.SendAsync(PostMcp(null, key), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(Origin, Header(allowed, "Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Null(Header(refused, "Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.OK, noOrigin.StatusCode);
        Assert.Null(Header(noOrigin, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/metrics")]
    public async Task Other_endpoints_send_no_cors_headers_even_to_a_configured_origin(string path)
    {
        using var http = app.Tools.CreateClient();
        using var get = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Origin", Origin } } };

        using var response = await http.SendAsync(get, TestContext.Current.CancellationToken);
        using var preflight = await http.SendAsync(Preflight(path, Origin, "GET"), TestContext.Current.CancellationToken);

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("/.well-known/oauth-protected-resource")]
    [InlineData("/.well-known/oauth-protected-resource/mcp")]
    public async Task Metadata_names_the_canonical_resource_the_issuer_the_scopes_and_header_bearer_tokens(string path)
    {
        using var http = app.Tools.CreateClient();
        using var get = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Origin", Origin } } };

        using var response = await http.SendAsync(get, TestContext.Current.CancellationToken);
        var metadata = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Origin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("http://localhost/mcp", metadata.GetProperty("resource").GetString());
        Assert.Equal([McpApp.Issuer], metadata.GetProperty("authorization_servers").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["tools:call", "tools:list"], metadata.GetProperty("scopes_supported").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["header"], metadata.GetProperty("bearer_methods_supported").EnumerateArray().Select(s => s.GetString()));
    }
}
