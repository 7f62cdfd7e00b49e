using System.Net;
using Platform.Testing;

namespace Platform.Audit.Tests;

/// <summary>Audit with a browser origin configured for CORS, which none of its endpoints may honour.</summary>
public sealed class CorsAuditApp(PlatformInfrastructure infrastructure) : AuditApp(infrastructure)
{
    public const string Origin = "https://inspector.example";

    protected override IReadOnlyDictionary<string, string?> AuditSettings => new Dictionary<string, string?>
    {
        ["Cors:AllowedOrigins:0"] = Origin,
    };
}

public sealed class CorsTests(CorsAuditApp app) : IClassFixture<CorsAuditApp>
{
    [Theory]
    [InlineData("/audit/records", "GET")]
    [InlineData("/audit/export?format=ndjson", "GET")]
    [InlineData("/audit/verify", "GET")]
    [InlineData("/audit/checkpoint-keys", "GET")]
    [InlineData("/audit/webhooks", "POST")]
    public async Task Audit_endpoints_send_no_cors_headers_even_to_a_configured_origin(string path, string method)
    {
        using var http = app.Client(AuditApp.AdminKey);
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Headers = { { "Origin", CorsAuditApp.Origin } } };
        using var preflight = new HttpRequestMessage(HttpMethod.Options, path)
        {
            Headers = { { "Origin", CorsAuditApp.Origin }, { "Access-Control-Request-Method", method }, { "Access-Control-Request-Headers", "authorization" } },
        };

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        using var preflightResponse = await http.SendAsync(preflight, TestContext.Current.CancellationToken);

        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(preflightResponse.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
