using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using Platform.Testing;

namespace Platform.ToolExecution.Tests;

/// <summary>ToolExecution with <c>Mcp:Stateful=true</c>.</summary>
public sealed class StatefulApp(PlatformInfrastructure infrastructure) : McpApp(infrastructure)
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Mcp:Stateful"] = "true" };
}

public sealed class StatefulSessionTests(StatefulApp app) : IClassFixture<StatefulApp>
{
    private const string SessionHeader = "Mcp-Session-Id";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Raw(string? key) => app.RawClient(key);

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string body, string? session = null, string? protocolVersion = "2025-11-25")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (session is not null)
        {
            request.Headers.Add(SessionHeader, session);
        }

        if (protocolVersion is not null)
        {
            request.Headers.Add("MCP-Protocol-Version", protocolVersion);
        }

        return http.SendAsync(request, Ct);
    }

    /// <summary>The JSON-RPC message of a response, whether it came as JSON or as a server-sent event.</summary>
    private static async Task<JsonElement> MessageAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        var json = text.StartsWith('{') ? text : text.Split('\n').Last(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>Initializes a session with the 2025-11-25 handshake and returns its id.</summary>
    private static async Task<string> OpenSessionAsync(HttpClient http)
    {
        var response = await PostAsync(http,
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
            protocolVersion: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var session = Assert.Single(response.Headers.GetValues(SessionHeader));
        Assert.False(string.IsNullOrWhiteSpace(session));
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(http, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", session)).StatusCode);
        return session;
    }

    private const string EchoCall = """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"inside the session"}}}""";

    [Fact]
    public async Task Initialize_returns_a_session_id_that_later_calls_use_and_each_call_is_recorded()
    {
        using var http = Raw(await app.KeyAsync(["tools:list", "tools:call"]));
        var session = await OpenSessionAsync(http);
        var before = await CountCallStreamsAsync();

        var list = await PostAsync(http, """{"jsonrpc":"2.0","id":3,"method":"tools/list"}""", session);
        var call = await PostAsync(http, EchoCall, session);

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains((await MessageAsync(list)).GetProperty("result").GetProperty("tools").EnumerateArray(), t => t.GetProperty("name").GetString() == "echo");
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.Equal("inside the session", (await MessageAsync(call)).GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(before + 1, await CountCallStreamsAsync());
    }

    [Fact]
    public async Task A_request_without_initialize_or_session_id_is_refused()
    {
        using var http = Raw(await app.KeyAsync(["tools:list"]));

        var response = await PostAsync(http, """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task An_unknown_session_id_gets_404_so_the_client_starts_a_new_session()
    {
        using var http = Raw(await app.KeyAsync(["tools:list"]));

        var response = await PostAsync(http, """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", "no-such-session-" + Guid.NewGuid().ToString("N"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.True((await MessageAsync(response)).TryGetProperty("error", out _));
    }

    [Fact]
    public async Task A_session_id_never_replaces_the_credential()
    {
        using var owner = Raw(await app.KeyAsync(["tools:list", "tools:call"]));
        var session = await OpenSessionAsync(owner);
        using var anonymous = Raw(null);
        using var forged = Raw("mcp_live_notakey_" + new string('x', 32));

        var withoutKey = await PostAsync(anonymous, EchoCall, session);
        var withBadKey = await PostAsync(forged, EchoCall, session);

        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Contains("resource_metadata=", withoutKey.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, withBadKey.StatusCode);
    }

    [Fact]
    public async Task A_session_created_with_one_key_is_refused_to_another_key()
    {
        using var owner = Raw(await app.KeyAsync(["tools:list", "tools:call"]));
        var session = await OpenSessionAsync(owner);
        using var other = Raw(await app.KeyAsync(["tools:list", "tools:call"]));
        var before = await CountCallStreamsAsync();

        var call = await PostAsync(other, EchoCall, session);
        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/mcp");
        delete.Headers.Add(SessionHeader, session);
        var end = await other.SendAsync(delete, Ct);
        var ownerStillWorks = await PostAsync(owner, EchoCall, session);

        Assert.Equal(HttpStatusCode.Forbidden, call.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, end.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ownerStillWorks.StatusCode);
        // Only the owner's call ran.
        Assert.Equal(before + 1, await CountCallStreamsAsync());
    }

    [Fact]
    public async Task An_access_token_of_the_same_key_may_use_the_keys_session()
    {
        var key = await app.KeyAsync(["tools:list", "tools:call"]);
        using var withKey = Raw(key);
        var session = await OpenSessionAsync(withKey);
        using var withToken = Raw(await app.TokenAsync(key));

        var call = await PostAsync(withToken, EchoCall, session);

        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
    }

    [Fact]
    public async Task A_disallowed_origin_cannot_open_or_end_a_session_stream()
    {
        using var http = Raw(await app.KeyAsync(["tools:list", "tools:call"]));
        var session = await OpenSessionAsync(http);

        var statuses = new List<HttpStatusCode>();
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Delete })
        {
            using var request = new HttpRequestMessage(method, "/mcp");
            request.Headers.Add(SessionHeader, session);
            request.Headers.Add("Origin", "http://evil.example");
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Forbidden], statuses);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, EchoCall, session)).StatusCode);
    }

    [Fact]
    public async Task Revoking_the_key_stops_its_open_session_within_one_second()
    {
        var key = await app.KeyAsync(["tools:list", "tools:call"]);
        using var http = Raw(key);
        var session = await OpenSessionAsync(http);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, EchoCall, session)).StatusCode);

        using var admin = app.Auth.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", McpApp.AdminKey);
        (await admin.PostAsJsonAsync($"/admin/keys/{key.Split('_')[2]}/revoke", new { reason = "leaked" }, Ct)).EnsureSuccessStatusCode();

        var deadline = DateTimeOffset.UtcNow.AddSeconds(1);
        HttpStatusCode status;
        do
        {
            status = (await PostAsync(http, EchoCall, session)).StatusCode;
        }
        while (status == HttpStatusCode.OK && DateTimeOffset.UtcNow < deadline && await Task.Delay(20, Ct).ContinueWith(_ => true, Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Deleting_a_session_ends_it()
    {
        using var http = Raw(await app.KeyAsync(["tools:list", "tools:call"]));
        var session = await OpenSessionAsync(http);

        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/mcp");
        delete.Headers.Add(SessionHeader, session);
        var end = await http.SendAsync(delete, Ct);
        var after = await PostAsync(http, EchoCall, session);

        Assert.Equal(HttpStatusCode.OK, end.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    /// <summary>2026-07-28 has no sessions; stateful mode still serves it, per request, with no session id.</summary>
    [Fact]
    public async Task Protocol_2026_07_28_is_still_served_in_stateful_mode_without_a_session()
    {
        using var http = Raw(await app.KeyAsync(["tools:list"]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "tools/list");

        var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains(SessionHeader));
        Assert.Contains("\"echo\"", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_csharp_mcp_client_works_against_stateful_mode()
    {
        await using var client = await app.ClientAsync(await app.KeyAsync(["tools:list", "tools:call"]));

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "stateful" }, cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("stateful", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    private async Task<long> CountCallStreamsAsync()
    {
        await using var connection = new NpgsqlConnection(app.Database);
        await connection.OpenAsync(Ct);
        await using var count = new NpgsqlCommand("select count(*) from tool_execution.mt_streams", connection);
        try
        {
            return (long)(await count.ExecuteScalarAsync(Ct))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // The event store's tables are created by the first recorded call; before it there are no streams.
            return 0;
        }
    }
}
