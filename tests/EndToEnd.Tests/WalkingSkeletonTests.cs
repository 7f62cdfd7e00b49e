using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// One thin slice through all three services as separate processes: an admin issues a key on Auth, an MCP client
/// calls echo on ToolExecution with it, and the call reaches Audit through the outbox.
/// </summary>
public sealed class WalkingSkeletonTests(RunningPlatform platform) : IClassFixture<RunningPlatform>
{
    [Fact]
    public async Task Echo_call_with_an_issued_key_lands_in_the_audit_chain_and_secrets_stay_out_of_logs()
    {
        var ct = TestContext.Current.CancellationToken;
        using var auth = platform.Client("auth", platform.AdminKey);
        (await auth.PostAsJsonAsync("/admin/tenants", new { id = "acme", name = "Acme" }, ct)).EnsureSuccessStatusCode();
        var issued = await (await auth.PostAsJsonAsync("/admin/tenants/acme/keys", new { name = "agent", roles = new[] { "write" } }, ct))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct);
        var key = issued.GetProperty("key").GetString()!;
        var keyId = issued.GetProperty("apiKey").GetProperty("keyId").GetString()!;

        await using (var client = await ConnectAsync(key))
        {
            var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "through all three, ops@example.com" }, cancellationToken: ct);
            Assert.Equal("through all three, ops@example.com", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        }

        using var audit = platform.Client("audit", platform.AdminKey);
        var record = await Poll.ValueAsync(async () =>
        {
            var page = await audit.GetFromJsonAsync<JsonElement>($"/audit/records?keyId={keyId}&action=tool.call", ct);
            return page.GetProperty("records").EnumerateArray().FirstOrDefault();
        }, r => r.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(20));

        Assert.Equal("acme", record.GetProperty("tenantId").GetString());
        Assert.Equal("tool:echo", record.GetProperty("target").GetString());
        Assert.Equal("completed", record.GetProperty("outcome").GetString());
        var details = record.GetProperty("details").GetString()!;
        Assert.DoesNotContain("ops@example.com", details, StringComparison.Ordinal);
        Assert.Contains("[REDACTED]", details, StringComparison.Ordinal);
        var verify = await audit.GetFromJsonAsync<JsonElement>("/audit/verify", ct);
        Assert.True(verify.GetProperty("ok").GetBoolean());
        Assert.True(verify.GetProperty("checked").GetInt64() >= 3, "tenant.created, key.issued and tool.call are all chained");

        var serviceLogs = string.Join('\n', (await platform.ServiceLogsAsync(ct)).Values);
        Assert.False(string.IsNullOrWhiteSpace(serviceLogs), "the services logged nothing");
        Assert.DoesNotContain(key, serviceLogs, StringComparison.Ordinal);
        Assert.DoesNotContain(platform.AdminKey, serviceLogs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Access_token_from_auth_is_accepted_by_tool_execution()
    {
        var ct = TestContext.Current.CancellationToken;
        using var auth = platform.Client("auth", platform.AdminKey);
        (await auth.PostAsJsonAsync("/admin/tenants", new { id = "tokens", name = "Tokens" }, ct)).EnsureSuccessStatusCode();
        var key = (await (await auth.PostAsJsonAsync("/admin/tenants/tokens/keys", new { name = "m2m", roles = new[] { "write" } }, ct))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("key").GetString()!;
        using var anonymous = platform.Client("auth", null);
        var token = (await (await anonymous.PostAsync("/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_secret"] = key,
        }), ct)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("access_token").GetString()!;

        await using var client = await ConnectAsync(token);
        var tools = await client.ListToolsAsync(cancellationToken: ct);

        Assert.Contains(tools, t => t.Name == "echo");
        var serviceLogs = string.Join('\n', (await platform.ServiceLogsAsync(ct)).Values);
        Assert.DoesNotContain(token, serviceLogs, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('.')[2], serviceLogs, StringComparison.Ordinal);
        Assert.DoesNotContain(key, serviceLogs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TypeScript_sdk_client_lists_calls_discovers_auth_and_gets_403_without_the_scope()
    {
        var ct = TestContext.Current.CancellationToken;
        using var auth = platform.Client("auth", platform.AdminKey);
        (await auth.PostAsJsonAsync("/admin/tenants", new { id = "ts-client", name = "TS" }, ct)).EnsureSuccessStatusCode();
        async Task<string> KeyAsync(string[] scopes) =>
            (await (await auth.PostAsJsonAsync("/admin/tenants/ts-client/keys", new { name = "ts", scopes }, ct))
                .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("key").GetString()!;

        var output = await TypeScriptClient.RunAsync(new Dictionary<string, string>
        {
            ["MCP_URL"] = new Uri(platform.Url("tool-execution"), "/mcp").ToString(),
            ["MCP_KEY"] = await KeyAsync(["tools:list", "tools:call"]),
            ["MCP_LIST_ONLY_KEY"] = await KeyAsync(["tools:list"]),
        }, ct);
        var result = JsonDocument.Parse(output).RootElement;

        Assert.Contains("echo", result.GetProperty("tools").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("from typescript", result.GetProperty("echo").GetString());
        Assert.Equal(401, result.GetProperty("anonymousStatus").GetInt32());
        Assert.EndsWith("/mcp", result.GetProperty("metadata").GetProperty("resource").GetString(), StringComparison.Ordinal);
        Assert.Contains("403", result.GetProperty("forbidden").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tool_call_and_its_audit_record_share_one_trace_id()
    {
        var ct = TestContext.Current.CancellationToken;
        using var auth = platform.Client("auth", platform.AdminKey);
        (await auth.PostAsJsonAsync("/admin/tenants", new { id = "tracing", name = "Tracing" }, ct)).EnsureSuccessStatusCode();
        var issued = await (await auth.PostAsJsonAsync("/admin/tenants/tracing/keys", new { name = "t", roles = new[] { "write" } }, ct))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct);
        var traceId = System.Security.Cryptography.RandomNumberGenerator.GetHexString(32, lowercase: true);

        using var http = platform.Client("tool-execution", issued.GetProperty("key").GetString());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"traced"}}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("traceparent", $"00-{traceId}-{System.Security.Cryptography.RandomNumberGenerator.GetHexString(16, lowercase: true)}-01");
        (await http.SendAsync(request, ct)).EnsureSuccessStatusCode();

        using var audit = platform.Client("audit", platform.AdminKey);
        var keyId = issued.GetProperty("apiKey").GetProperty("keyId").GetString();
        var record = await Poll.ValueAsync(async () =>
            (await audit.GetFromJsonAsync<JsonElement>($"/audit/records?keyId={keyId}&action=tool.call", ct)).GetProperty("records").EnumerateArray().FirstOrDefault(),
            r => r.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(20));

        Assert.Equal(traceId, record.GetProperty("traceId").GetString());
    }

    [Fact]
    public async Task Call_without_a_key_gets_401_with_a_bearer_challenge()
    {
        using var http = platform.Client("tool-execution", null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");

        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("resource_metadata=", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
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
