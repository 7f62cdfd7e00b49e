using System.Net.Http.Json;
using Platform.Auth.Keys;
using Platform.Auth.Tenants;

namespace Platform.Auth.Tests;

/// <summary>
/// The async daemon must actually run with the DistributedLock stand-in (it silently never does without
/// UseAdvisoryLockTransaction): the tenant key summary is an async projection.
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

        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        TenantKeySummary? keys = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            keys = (await app.Admin.GetFromJsonAsync<TenantDetails>($"/admin/tenants/{tenant.Id}"))!.Keys;
            if (keys is { Issued: 2, Revoked: 1 })
            {
                break;
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.Equal(2, keys?.Issued);
        Assert.Equal(1, keys?.Revoked);
        Assert.Equal(1, keys?.Active);
    }
}
