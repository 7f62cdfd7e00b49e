using System.Net;
using Platform.Testing;

namespace Platform.Auth.Tests;

/// <summary>Auth with one browser origin configured: its OAuth endpoints for browser clients send CORS headers, the rest none.</summary>
public sealed class CorsAuthApp(PlatformInfrastructure infrastructure) : IAsyncLifetime
{
    public const string Origin = "https://inspector.example";

    public ServiceHost<Program> Host { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var settings = AuthApp.Settings(await infrastructure.NewDatabaseAsync("auth_cors"));
        settings["Cors:AllowedOrigins:0"] = Origin;
        Host = new ServiceHost<Program>(settings);
        _ = Host.Server;
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

public sealed class CorsTests(CorsAuthApp app) : IClassFixture<CorsAuthApp>
{
    private static HttpRequestMessage Preflight(string path, string origin, string method) => new(HttpMethod.Options, path)
    {
        Headers =
        {
            { "Origin", origin },
            { "Access-Control-Request-Method", method },
            { "Access-Control-Request-Headers", "authorization, content-type" },
        },
    };

    private static string? AllowOrigin(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null;

    [Theory]
    [InlineData("/oauth/token", "POST")]
    [InlineData("/oauth/register", "POST")]
    [InlineData("/.well-known/oauth-authorization-server", "GET")]
    [InlineData("/.well-known/openid-configuration", "GET")]
    [InlineData("/.well-known/jwks.json", "GET")]
    public async Task Browser_client_endpoints_answer_preflights_for_the_configured_origin_only(string path, string method)
    {
        using var http = app.Host.CreateClient();

        using var allowed = await http.SendAsync(Preflight(path, CorsAuthApp.Origin, method), TestContext.Current.CancellationToken);
        using var other = await http.SendAsync(Preflight(path, "https://evil.example", method), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal(CorsAuthApp.Origin, AllowOrigin(allowed));
        Assert.Null(AllowOrigin(other));
    }

    [Theory]
    [InlineData("/.well-known/oauth-authorization-server")]
    [InlineData("/.well-known/jwks.json")]
    public async Task Metadata_and_jwks_are_readable_from_the_configured_origin(string path)
    {
        using var http = app.Host.CreateClient();
        using var get = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Origin", CorsAuthApp.Origin } } };

        using var response = await http.SendAsync(get, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CorsAuthApp.Origin, AllowOrigin(response));
    }

    [Theory]
    [InlineData("/admin/tenants", "POST")]
    [InlineData("/admin/keys/some-key", "GET")]
    [InlineData("/internal/keys/verify", "POST")]
    [InlineData("/oauth/introspect", "POST")]
    [InlineData("/health/ready", "GET")]
    public async Task Other_endpoints_send_no_cors_headers_even_to_the_configured_origin(string path, string method)
    {
        using var http = app.Host.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Headers = { { "Origin", CorsAuthApp.Origin } } };

        using var preflight = await http.SendAsync(Preflight(path, CorsAuthApp.Origin, method), TestContext.Current.CancellationToken);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Null(AllowOrigin(preflight));
        Assert.Null(AllowOrigin(response));
    }
}
