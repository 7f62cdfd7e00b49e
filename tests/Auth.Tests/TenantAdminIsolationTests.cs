using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Platform.Auth.Keys;
using Platform.Auth.Tenants;

namespace Platform.Auth.Tests;

/// <summary>
/// A tenant's own admin key (role <c>admin</c>) runs its tenant and nothing else: another tenant's objects answer
/// like missing ones, and platform-wide operations are the bootstrap admin's alone.
/// </summary>
public sealed class TenantAdminIsolationTests(AuthApp app) : IClassFixture<AuthApp>
{
    private async Task<(HttpClient Client, TenantResponse Own, TenantResponse Other, IssuedApiKeyResponse OthersKey)> TenantAdminAsync()
    {
        var own = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var adminKey = await app.IssueKeyAsync(own.Id, new IssueApiKeyRequest("tenant admin", null, ["admin"], null, null, null));
        var othersKey = await app.IssueKeyAsync(other.Id);
        var client = app.Host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey.Key);
        return (client, own, other, othersKey);
    }

    [Fact]
    public async Task A_tenant_admin_manages_its_own_tenants_keys()
    {
        var (client, own, _, _) = await TenantAdminAsync();
        using var _ = client;

        var issued = await client.PostAsJsonAsync($"/admin/tenants/{own.Id}/keys", new IssueApiKeyRequest("agent", null, ["write"], null, null, null));
        var keyId = (await issued.Content.ReadFromJsonAsync<IssuedApiKeyResponse>(TestContext.Current.CancellationToken))!.ApiKey.KeyId;

        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/admin/tenants/{own.Id}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/admin/tenants/{own.Id}/keys", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/admin/keys/{keyId}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/admin/keys/{keyId}/revoke", new RevokeApiKeyRequest("rotation drill", null), TestContext.Current.CancellationToken)).StatusCode);
    }

    public static TheoryData<string, string> CrossTenantRequests => new()
    {
        { "GET", "/admin/tenants/{other}" },
        { "GET", "/admin/tenants/{other}/keys" },
        { "POST", "/admin/tenants/{other}/keys" },
        { "GET", "/admin/keys/{othersKey}" },
        { "PATCH", "/admin/keys/{othersKey}" },
        { "POST", "/admin/keys/{othersKey}/rotate" },
        { "POST", "/admin/keys/{othersKey}/revoke" },
    };

    [Theory]
    [MemberData(nameof(CrossTenantRequests))]
    public async Task Another_tenants_objects_answer_404_exactly_like_missing_ones(string method, string template)
    {
        var (client, _, other, othersKey) = await TenantAdminAsync();
        using var _ = client;
        var path = template.Replace("{other}", other.Id, StringComparison.Ordinal).Replace("{othersKey}", othersKey.ApiKey.KeyId, StringComparison.Ordinal);
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "GET" ? null : JsonContent.Create(new { name = "takeover", roles = new[] { "admin" }, reason = "takeover" }),
        };

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        // The other tenant's key still works: nothing was rotated, revoked or changed.
        Assert.Equal(Contracts.Auth.VerificationStatus.Valid, (await app.VerifyAsync(othersKey.Key)).Status);
    }

    [Theory]
    [InlineData("/admin/tenants", """{"id":"tenant-made-by-a-tenant","name":"x"}""")]
    [InlineData("/admin/tenants/{own}/status", """{"status":"suspended"}""")]
    [InlineData("/admin/signing-keys/rotate", "{}")]
    public async Task Platform_wide_operations_are_refused_to_a_tenant_admin(string template, string body)
    {
        var (client, own, _, _) = await TenantAdminAsync();
        using var _ = client;

        var response = await client.PostAsync(template.Replace("{own}", own.Id, StringComparison.Ordinal),
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
