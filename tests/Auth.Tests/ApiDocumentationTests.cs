using System.Net;
using System.Text.Json;

namespace Platform.Auth.Tests;

public sealed class ApiDocumentationTests(AuthApp app) : IClassFixture<AuthApp>
{
    [Fact]
    public async Task OpenApi_document_describes_the_admin_api()
    {
        using var anonymous = app.Host.CreateClient();

        var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();

        Assert.Contains("/admin/tenants", paths);
        Assert.Contains("/admin/tenants/{tenantId}/keys", paths);
        Assert.Contains("/admin/keys/{keyId}/revoke", paths);
        Assert.DoesNotContain("/internal/keys/verify", paths);
    }

    [Fact]
    public async Task Reference_page_is_served_with_its_own_content_security_policy()
    {
        using var anonymous = app.Host.CreateClient();

        var page = await anonymous.GetAsync("/scalar/v1");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }
}
