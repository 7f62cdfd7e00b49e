using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Platform.Auth.Keys;
using Platform.Auth.Tenants;
using Platform.Contracts.Auth;

namespace Platform.Auth.Tests;

public sealed class ApiKeyLifecycleTests(AuthApp app) : IClassFixture<AuthApp>
{
    [Fact]
    public async Task Issued_key_verifies_as_valid_with_its_tenant_scopes_and_limits()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id, new IssueApiKeyRequest("ci", ["tools:list"], null, ["fs_*"], null, null));

        var answer = await app.VerifyAsync(issued.Key);

        Assert.Equal(VerificationStatus.Valid, answer.Status);
        Assert.Equal(issued.ApiKey.KeyId, answer.KeyId);
        Assert.Equal(tenant.Id, answer.TenantId);
        Assert.Equal(["tools:list"], answer.Scopes);
        Assert.Equal(["fs_*"], answer.ToolPatterns);
        Assert.Equal("standard", answer.Limits?.Plan);
    }

    [Fact]
    public async Task Key_is_shown_once_and_never_again()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id);

        var shown = await app.Admin.GetStringAsync($"/admin/keys/{issued.ApiKey.KeyId}");
        var listed = await app.Admin.GetStringAsync($"/admin/tenants/{tenant.Id}/keys");

        Assert.DoesNotContain(issued.Key, shown, StringComparison.Ordinal);
        Assert.DoesNotContain(issued.Key, listed, StringComparison.Ordinal);
        Assert.Contains(issued.ApiKey.KeyId, listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_key_and_wrong_secret_are_told_apart_from_a_valid_one()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id);
        var otherSecret = Credentials.ApiKeys.ApiKeyFormat.GenerateSecretFor("mcp", "live", issued.ApiKey.KeyId);

        Assert.Equal(VerificationStatus.Malformed, (await app.VerifyAsync("mcp_live_garbage")).Status);
        Assert.Equal(VerificationStatus.Malformed, (await app.VerifyAsync(issued.Key[..^1] + (issued.Key[^1] == 'a' ? 'b' : 'a'))).Status);
        Assert.Equal(VerificationStatus.NotFound, (await app.VerifyAsync(otherSecret.Plaintext)).Status);
    }

    [Fact]
    public async Task Revoked_key_is_rejected_and_revoking_again_is_a_conflict()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id);

        var first = await app.Admin.PostAsJsonAsync($"/admin/keys/{issued.ApiKey.KeyId}/revoke", new RevokeApiKeyRequest("leaked", null));
        var second = await app.Admin.PostAsJsonAsync($"/admin/keys/{issued.ApiKey.KeyId}/revoke", new RevokeApiKeyRequest("leaked", null));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        Assert.Equal(VerificationStatus.Revoked, (await app.VerifyAsync(issued.Key)).Status);
    }

    [Fact]
    public async Task Rotated_key_keeps_the_old_secret_working_until_the_grace_period_ends()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id);

        var response = await app.Admin.PostAsJsonAsync($"/admin/keys/{issued.ApiKey.KeyId}/rotate", new RotateApiKeyRequest(60, null));
        response.EnsureSuccessStatusCode();
        var rotated = (await response.Content.ReadFromJsonAsync<IssuedApiKeyResponse>())!;

        Assert.NotEqual(issued.Key, rotated.Key);
        Assert.Equal(VerificationStatus.Valid, (await app.VerifyAsync(issued.Key)).Status);
        Assert.Equal(VerificationStatus.Valid, (await app.VerifyAsync(rotated.Key)).Status);

        app.Host.Clock.Advance(TimeSpan.FromSeconds(61));

        Assert.Equal(VerificationStatus.NotFound, (await app.VerifyAsync(issued.Key)).Status);
        Assert.Equal(VerificationStatus.Valid, (await app.VerifyAsync(rotated.Key)).Status);
    }

    [Fact]
    public async Task Two_admins_changing_the_same_key_version_get_one_success_and_one_conflict()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id);
        var version = issued.ApiKey.Version;

        var rotate = await app.Admin.PostAsJsonAsync($"/admin/keys/{issued.ApiKey.KeyId}/rotate", new RotateApiKeyRequest(0, version));
        var replay = await app.Admin.PostAsJsonAsync($"/admin/keys/{issued.ApiKey.KeyId}/rotate", new RotateApiKeyRequest(0, version));

        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
    }

    [Fact]
    public async Task Keys_stop_working_while_their_tenant_is_past_due_and_work_again_when_active()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id);

        (await app.Admin.PostAsJsonAsync($"/admin/tenants/{tenant.Id}/status", new ChangeTenantStatusRequest("past_due", "card declined", null))).EnsureSuccessStatusCode();
        Assert.Equal(VerificationStatus.TenantInactive, (await app.VerifyAsync(issued.Key)).Status);

        (await app.Admin.PostAsJsonAsync($"/admin/tenants/{tenant.Id}/status", new ChangeTenantStatusRequest("active", null, null))).EnsureSuccessStatusCode();
        Assert.Equal(VerificationStatus.Valid, (await app.VerifyAsync(issued.Key)).Status);
    }

    [Fact]
    public async Task Expired_key_is_rejected_as_expired()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id, new IssueApiKeyRequest("short", ["tools:call"], null, null, null, app.Host.Clock.GetUtcNow().AddMinutes(5)));

        Assert.Equal(VerificationStatus.Valid, (await app.VerifyAsync(issued.Key)).Status);
        app.Host.Clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(VerificationStatus.Expired, (await app.VerifyAsync(issued.Key)).Status);
    }

    [Fact]
    public async Task Key_with_an_ip_allowlist_works_only_from_inside_it()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id, new IssueApiKeyRequest("office", ["tools:call"], null, null, ["10.1.0.0/16", "2001:db8::/32"], null));

        Assert.Equal(VerificationStatus.Valid, (await app.VerifyAsync(issued.Key, "10.1.2.3")).Status);
        Assert.Equal(VerificationStatus.Valid, (await app.VerifyAsync(issued.Key, "2001:db8::1")).Status);
        Assert.Equal(VerificationStatus.IpNotAllowed, (await app.VerifyAsync(issued.Key, "10.2.0.1")).Status);
    }

    [Theory]
    [InlineData("""{"name":"","roles":["write"]}""")]
    [InlineData("""{"name":"x","scopes":["root"]}""")]
    [InlineData("""{"name":"x","roles":["write"],"ipAllowlist":["10.0.0.0/33"]}""")]
    [InlineData("""{"name":"x","roles":["write"],"expiresAt":"2000-01-01T00:00:00Z"}""")]
    [InlineData("""{"name":"x"}""")]
    public async Task Invalid_issue_requests_get_a_validation_problem(string body)
    {
        var tenant = await app.CreateTenantAsync();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var response = await app.Admin.PostAsync($"/admin/tenants/{tenant.Id}/keys", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("urn:platform:problem:validation", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_tenant_and_key_are_not_found()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin.GetAsync("/admin/tenants/no-such-tenant")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin.GetAsync("/admin/keys/AAAAAAAAAAAAAAAA")).StatusCode);
    }

    [Fact]
    public async Task Admin_api_needs_a_credential_and_the_admin_scope()
    {
        var tenant = await app.CreateTenantAsync();
        var writer = await app.IssueKeyAsync(tenant.Id);
        using var anonymous = app.Host.CreateClient();
        using var nonAdmin = app.Host.CreateClient();
        nonAdmin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", writer.Key);

        var unauthenticated = await anonymous.GetAsync($"/admin/tenants/{tenant.Id}");
        var forbidden = await nonAdmin.GetAsync($"/admin/tenants/{tenant.Id}");

        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.StartsWith("Bearer", unauthenticated.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("insufficient_scope", forbidden.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }
}
