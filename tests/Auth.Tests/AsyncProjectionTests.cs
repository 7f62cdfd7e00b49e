using System.Net.Http.Json;
using Platform.Auth.Keys;
using Platform.Auth.Tenants;
using Platform.Testing;

namespace Platform.Auth.Tests;

/// <summary>
/// The async daemon must actually run and take its projection lock: the tenant key summary is an async projection.
/// </summary>
public sealed class AsyncProjectionTests(AuthApp app) : IClassFixture<AuthApp>
{
    [Fact]
    public async Task Tenant_key_summary_catches_up_with_issued_and_revoked_keys()
    {
        var tenant = await app.CreateTenantAsync();
        var first = await app.IssueKeyAsync(tenant.Id);
        await app.IssueKeyAsync(tenant.Id);
        (await app.Admin.PostAsJsonAsync($"/admin/keys/{first.ApiKey.KeyId}/revoke", new RevokeApiKeyRequest("test", null))).EnsureSuccessStatusCode();

        var keys = await Poll.ValueAsync(
            async () => (await app.Admin.GetFromJsonAsync<TenantDetails>($"/admin/tenants/{tenant.Id}"))!.Keys,
            k => k is { Issued: 2, Revoked: 1 }, TimeSpan.FromSeconds(30));

        Assert.Equal(2, keys?.Issued);
        Assert.Equal(1, keys?.Revoked);
        Assert.Equal(1, keys?.Active);
    }
}
