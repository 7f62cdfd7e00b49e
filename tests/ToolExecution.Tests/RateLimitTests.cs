using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Platform.ToolExecution.Tests;

/// <summary>The distributed rate limit in front of tool calls, on the test run's real Redis.</summary>
public sealed class RateLimitTests(McpApp app) : IClassFixture<McpApp>
{
    private const string EchoCall = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"message":"x"}}}""";

    private HttpClient Client(string key)
    {
        var http = app.Tools.CreateClient();
        http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        http.DefaultRequestHeaders.Accept.ParseAdd("text/event-stream");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    [Fact]
    public async Task Calls_beyond_the_plan_limit_get_429_with_retry_after_ratelimit_headers_and_a_json_rpc_error()
    {
        var key = await app.KeyAsync(["tools:call"], plan: "tiny");
        using var http = Client(key);

        var admitted = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            admitted.Add(await http.PostAsync("/mcp", new StringContent(EchoCall, Encoding.UTF8, "application/json")));
        }

        var refused = await http.PostAsync("/mcp", new StringContent(EchoCall, Encoding.UTF8, "application/json"));

        Assert.All(admitted, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal("\"key\";q=3;w=60", admitted[0].Headers.GetValues("RateLimit-Policy").Single());
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.StartsWith("\"key\";r=0;t=", refused.Headers.GetValues("RateLimit").Single(), StringComparison.Ordinal);
        var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(7, body.GetProperty("id").GetInt32());
        Assert.Equal("key", body.GetProperty("error").GetProperty("data").GetProperty("limit").GetString());
    }

    [Fact]
    public async Task A_refused_call_is_recorded_as_rejected_for_the_audit_trail()
    {
        var key = await app.KeyAsync(["tools:call"], plan: "tiny");
        using var http = Client(key);
        var before = await CountRejectedAsync();

        for (var i = 0; i < 4; i++)
        {
            await http.PostAsync("/mcp", new StringContent(EchoCall, Encoding.UTF8, "application/json"));
        }

        Assert.Equal(before + 1, await CountRejectedAsync());
    }

    [Fact]
    public async Task Keys_of_different_tenants_do_not_share_a_budget()
    {
        using var first = Client(await app.KeyAsync(["tools:call"], plan: "tiny"));
        using var second = Client(await app.KeyAsync(["tools:call"], plan: "tiny"));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await first.PostAsync("/mcp", new StringContent(EchoCall, Encoding.UTF8, "application/json"))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await second.PostAsync("/mcp", new StringContent(EchoCall, Encoding.UTF8, "application/json"))).StatusCode);
    }

    private async Task<long> CountRejectedAsync()
    {
        await using var connection = new NpgsqlConnection(app.Database);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            "select count(*) from information_schema.tables where table_schema = 'tool_execution' and table_name = 'mt_events'", connection);
        if ((long)(await count.ExecuteScalarAsync())! == 0)
        {
            return 0;
        }

        await using var rejected = new NpgsqlCommand("select count(*) from tool_execution.mt_events where type = 'tool_call_rejected'", connection);
        return (long)(await rejected.ExecuteScalarAsync())!;
    }
}
