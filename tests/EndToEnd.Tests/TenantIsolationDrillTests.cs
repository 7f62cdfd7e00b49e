using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Issue 8's tenant-isolation drill across the three real services: tenant A, holding its own audit reader and even
/// its own admin key, goes after tenant B's audit trail, workspace, webhooks and keys. Every attempt is refused or
/// sees only A's own data, and B's data is checked to exist first so that an empty answer proves something.
/// </summary>
public sealed class TenantIsolationDrillTests(RunningPlatform platform) : IClassFixture<RunningPlatform>
{
    private sealed record Tenant(string Id, string Writer, string Admin, string AdminKeyId);

    [Fact]
    public async Task Tenant_a_cannot_reach_tenant_bs_audit_workspace_webhooks_or_keys()
    {
        var ct = TestContext.Current.CancellationToken;
        var a = await TenantAsync("iso-a", ct);
        var b = await TenantAsync("iso-b", ct);

        // B leaves traces: a file in its workspace and tool calls in the audit trail.
        await using (var client = await ConnectAsync(b.Writer))
        {
            var written = await client.CallToolAsync("fs_write", new Dictionary<string, object?> { ["path"] = "secret.txt", ["content"] = "b-only" }, cancellationToken: ct);
            Assert.NotEqual(true, written.IsError);
        }

        using var platformAdmin = platform.Client("audit", platform.AdminKey);
        Assert.NotEmpty(await Poll.ValueAsync(() => RecordsAsync(platformAdmin, $"tenant={b.Id}", ct), records => records.Count > 0, TimeSpan.FromSeconds(30)));

        // Audit: asking for B is refused; asking for everything returns only A's own records.
        foreach (var key in new[] { a.Writer, a.Admin })
        {
            using var audit = platform.Client("audit", key);
            Assert.Equal(HttpStatusCode.Forbidden, (await audit.GetAsync($"/audit/records?tenant={b.Id}", ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await audit.GetAsync($"/audit/export?format=ndjson&tenant={b.Id}", ct)).StatusCode);
            Assert.All(await RecordsAsync(audit, "", ct), r => Assert.Equal(a.Id, r.GetProperty("tenantId").GetString()));
            var export = await audit.GetStringAsync("/audit/export?format=ndjson", ct);
            Assert.DoesNotContain($"\"tenantId\":\"{b.Id}\"", export, StringComparison.Ordinal);
            // The chain spans every tenant, so verifying it is the platform operator's alone.
            Assert.Equal(HttpStatusCode.Forbidden, (await audit.GetAsync("/audit/verify", ct)).StatusCode);
        }

        // Workspace: every way of naming B's file from A's workspace fails, and none returns B's content.
        await using (var client = await ConnectAsync(a.Writer))
        {
            foreach (var path in new[] { "secret.txt", $"../{b.Id}/secret.txt", $"..%2F{b.Id}%2Fsecret.txt", $"/tmp/platform-workspaces/{b.Id}/secret.txt", $"./../../{b.Id}/secret.txt" })
            {
                var read = await client.CallToolAsync("fs_read", new Dictionary<string, object?> { ["path"] = path }, cancellationToken: ct);
                Assert.True(read.IsError, path);
                Assert.DoesNotContain("b-only", string.Concat(read.Content.OfType<TextContentBlock>().Select(c => c.Text)), StringComparison.Ordinal);
            }
        }

        // Webhooks: A's admin can neither list nor register B's.
        using (var webhooks = platform.Client("audit", a.Admin))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await webhooks.GetAsync($"/audit/webhooks?tenant={b.Id}", ct)).StatusCode);
            var create = await webhooks.PostAsJsonAsync("/audit/webhooks", new { url = "https://hooks.example.com/x", events = new[] { "*" }, tenant = b.Id }, ct);
            Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        }

        // Keys: B's key and tenant answer like missing ones, and A cannot mint keys for B.
        using var auth = platform.Client("auth", a.Admin);
        Assert.Equal(HttpStatusCode.NotFound, (await auth.GetAsync($"/admin/keys/{b.AdminKeyId}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await auth.PostAsJsonAsync($"/admin/keys/{b.AdminKeyId}/revoke", new { reason = "takeover" }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await auth.PostAsJsonAsync($"/admin/tenants/{b.Id}/keys", new { name = "mine-now", roles = new[] { "admin" } }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await auth.PostAsJsonAsync($"/admin/tenants/{b.Id}/status", new { status = "suspended" }, ct)).StatusCode);
    }

    private async Task<Tenant> TenantAsync(string prefix, CancellationToken ct)
    {
        using var auth = platform.Client("auth", platform.AdminKey);
        var id = $"{prefix}-{Guid.NewGuid():N}"[..20];
        (await auth.PostAsJsonAsync("/admin/tenants", new { id, name = prefix }, ct)).EnsureSuccessStatusCode();
        var writer = await IssueAsync(auth, id, ["write", "debug"], ct);
        var admin = await IssueAsync(auth, id, ["admin"], ct);
        return new(id, writer.GetProperty("key").GetString()!, admin.GetProperty("key").GetString()!, admin.GetProperty("apiKey").GetProperty("keyId").GetString()!);
    }

    private static async Task<JsonElement> IssueAsync(HttpClient auth, string tenant, string[] roles, CancellationToken ct) =>
        await (await auth.PostAsJsonAsync($"/admin/tenants/{tenant}/keys", new { name = string.Join('+', roles), roles }, ct))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct);

    private static async Task<List<JsonElement>> RecordsAsync(HttpClient audit, string query, CancellationToken ct)
    {
        var page = await audit.GetFromJsonAsync<JsonElement>($"/audit/records?limit=500&{query}", ct);
        return [.. page.GetProperty("records").EnumerateArray()];
    }

    private async Task<McpClient> ConnectAsync(string key)
    {
        var http = platform.Client("tool-execution", key);
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(platform.Url("tool-execution"), "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }, http, null, ownsHttpClient: true);
        return await McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken);
    }
}
