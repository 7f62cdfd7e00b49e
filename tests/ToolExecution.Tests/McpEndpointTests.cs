using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Npgsql;
using Platform.Testing;

namespace Platform.ToolExecution.Tests;

public sealed class McpEndpointTests(McpApp app) : IClassFixture<McpApp>
{
    private static StringContent JsonRpc(string body) => new(body, Encoding.UTF8, "application/json");

    private HttpClient Raw(string? key) => app.RawClient(key);

    [Fact]
    public async Task Echo_through_the_csharp_mcp_client_returns_the_message()
    {
        var key = await app.KeyAsync(["tools:list", "tools:call"]);
        await using var client = await app.ClientAsync(key);

        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello platform" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains(tools, t => t.Name == "echo");
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("hello platform", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task Every_call_is_an_event_stream_of_its_own()
    {
        var key = await app.KeyAsync(["tools:call"]);
        await using var client = await app.ClientAsync(key);
        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "warm-up" }, cancellationToken: TestContext.Current.CancellationToken);
        var before = await CountCallStreamsAsync();

        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "one" }, cancellationToken: TestContext.Current.CancellationToken);
        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "two" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(before + 2, await CountCallStreamsAsync());
    }

    [Fact]
    public async Task Concurrent_calls_sharing_a_commit_each_get_their_own_stream_and_reach_audit_once()
    {
        // Enterprise allows 64 calls in flight per key, so all 48 are admitted.
        var key = await app.KeyAsync(["tools:call"], plan: "enterprise");
        await using var client = await app.ClientAsync(key);
        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "warm-up" }, cancellationToken: TestContext.Current.CancellationToken);
        var streamsBefore = await CallStreamIdsAsync();
        var eventsBefore = await ScalarAsync("select count(*) from tool_execution.mt_events");
        var messagesBefore = await CountAuditMessagesAsync();

        // 48 callers at once: the journal commits whatever is queued together, so batches of several calls form.
        var answers = await Task.WhenAll(Enumerable.Range(0, 48).Select(async i =>
        {
            await using var caller = await app.ClientAsync(key);
            var result = await caller.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = $"call {i}" }, cancellationToken: TestContext.Current.CancellationToken);
            return Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        }));

        Assert.Equal(Enumerable.Range(0, 48).Select(i => $"call {i}"), answers);
        // Every answered call is committed before its answer: one stream with started + completed.
        var calls = (await CallStreamIdsAsync()).Except(streamsBefore).ToList();
        Assert.Equal(48, calls.Count);
        Assert.Equal(eventsBefore + 96, await ScalarAsync("select count(*) from tool_execution.mt_events"));
        // Each commit sends one message with all of its calls (outbox sending is asynchronous, so wait for them):
        // every call is in exactly one message, and no more messages than calls were sent.
        var inMessages = await Poll.ValueAsync(async () =>
        {
            var found = new List<long>();
            foreach (var call in calls)
            {
                found.Add(await ScalarAsync($"select count(*) from wolverine_queues.wolverine_queue_audit where position(convert_to('{call}', 'UTF8') in body) > 0"));
            }

            return found;
        }, found => found.All(n => n > 0), TimeSpan.FromSeconds(30));
        Assert.All(inMessages, n => Assert.Equal(1, n));
        Assert.InRange(await CountAuditMessagesAsync() - messagesBefore, 1, 48);
    }

    [Fact]
    public async Task Request_without_a_credential_gets_401_pointing_at_the_resource_metadata()
    {
        using var http = Raw(null);

        var response = await http.PostAsync("/mcp", JsonRpc("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}"""));
        var metadata = await http.GetFromJsonAsync<JsonElement>("/.well-known/oauth-protected-resource");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("resource_metadata=\"http://localhost/.well-known/oauth-protected-resource\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal("http://localhost/mcp", metadata.GetProperty("resource").GetString());
        Assert.Contains("tools:call", metadata.GetProperty("scopes_supported").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["header"], metadata.GetProperty("bearer_methods_supported").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task Invalid_and_query_string_credentials_get_401()
    {
        var key = await app.KeyAsync(["tools:call"]);
        using var garbage = Raw("mcp_live_not-a-real-key");
        using var anonymous = Raw(null);

        var invalid = await garbage.PostAsync("/mcp", JsonRpc("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}"""));
        var inQuery = await anonymous.PostAsync("/mcp?access_token=" + key, JsonRpc("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, invalid.StatusCode);
        Assert.Contains("invalid_token", invalid.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, inQuery.StatusCode);
    }

    [Fact]
    public async Task Call_without_the_tools_call_scope_gets_403_naming_every_scope_it_needs()
    {
        var key = await app.KeyAsync(["tools:list"]);
        using var http = Raw(key);

        var response = await http.PostAsync("/mcp", JsonRpc("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"x"}}}"""));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        // The scope it lacks and the one it holds: re-authorizing with exactly this list loses nothing (step-up).
        Assert.Equal(
            "Bearer error=\"insufficient_scope\", scope=\"tools:call tools:list\", resource_metadata=\"http://localhost/.well-known/oauth-protected-resource\"",
            response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Tool_patterns_hide_tools_and_refuse_them_like_unknown_ones()
    {
        var key = await app.KeyAsync(["tools:list", "tools:call"], ["fs_*"]);
        await using var client = await app.ClientAsync(key);

        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var hidden = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "x" }, cancellationToken: TestContext.Current.CancellationToken).AsTask());
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.CallToolAsync("fs_nope", new Dictionary<string, object?>(), cancellationToken: TestContext.Current.CancellationToken).AsTask());

        Assert.DoesNotContain(tools, t => t.Name == "echo");
        Assert.Equal(hidden.Message.Replace("echo", "X", StringComparison.Ordinal), unknown.Message.Replace("fs_nope", "X", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Revoked_key_is_refused_by_tool_execution_within_one_second_despite_the_cache()
    {
        var key = await app.KeyAsync(["tools:list", "tools:call"]);
        using var http = Raw(key);
        var list = """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""";
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/mcp", JsonRpc(list))).StatusCode); // now cached

        using var admin = app.Auth.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", McpApp.AdminKey);
        var keyId = key.Split('_')[2];
        (await admin.PostAsJsonAsync($"/admin/keys/{keyId}/revoke", new { reason = "leaked" })).EnsureSuccessStatusCode();

        // The cache keeps valid answers for 30 s; only the NOTIFY-driven eviction can refuse the key within 1 s.
        var sinceRevocation = System.Diagnostics.Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            status = (await http.PostAsync("/mcp", JsonRpc(list))).StatusCode;
        }
        while (status == HttpStatusCode.OK && sinceRevocation.Elapsed < TimeSpan.FromSeconds(1) && await Task.Delay(20).ContinueWith(_ => true));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    public static TheoryData<string> MalformedBodies => new()
    {
        "{",
        "not json at all",
        "[]",
        "null",
        """{"jsonrpc":"2.0"}""",
        """{"jsonrpc":"1.0","id":1,"method":"tools/list"}""",
        """{"jsonrpc":"2.0","id":1,"method":"no/such/method"}""",
        """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"oops"}""",
        """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":42}}}""",
        """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{}}}""",
        """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}""",
        """{"jsonrpc":"2.0","id":{"nested":true},"method":"tools/list"}""",
        new string('[', 5000) + new string(']', 5000),
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Malformed_json_rpc_never_gets_a_server_error(string body)
    {
        var key = await app.KeyAsync(["tools:list", "tools:call"]);
        using var http = Raw(key);

        var response = await http.PostAsync("/mcp", JsonRpc(body));

        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {body[..Math.Min(body.Length, 80)]}");
    }

    [Fact]
    public async Task Oversized_body_is_refused_with_413()
    {
        var key = await app.KeyAsync(["tools:call"]);
        using var http = Raw(key);
        var huge = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"" + new string('x', 400_000) + "\"}}}";

        var response = await http.PostAsync("/mcp", JsonRpc(huge));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Invalid_utf8_is_a_client_error()
    {
        var key = await app.KeyAsync(["tools:call"]);
        using var http = Raw(key);
        using var content = new ByteArrayContent([.. "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"x\":\""u8, 0xC3, 0x28, .. "\"}"u8]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await http.PostAsync("/mcp", content);

        Assert.True((int)response.StatusCode < 500);
    }

    private Task<long> CountCallStreamsAsync() => ScalarAsync("select count(*) from tool_execution.mt_streams");

    private async Task<HashSet<Guid>> CallStreamIdsAsync()
    {
        await using var connection = new NpgsqlConnection(app.Database);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("select id from tool_execution.mt_streams", connection);
        await using var reader = await query.ExecuteReaderAsync();
        var ids = new HashSet<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    /// <summary>Nothing consumes Audit's queue in these tests, so every message sent to it stays there.</summary>
    private Task<long> CountAuditMessagesAsync() =>
        ScalarAsync("select count(*) from wolverine_queues.wolverine_queue_audit where message_type like '%tool%call%'");

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(app.Database);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(sql, connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
