using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Platform.ToolExecution.Tests;

public sealed class ProtocolTests(McpApp app) : IClassFixture<McpApp>
{
    private async Task<HttpClient> ClientAsync()
    {
        var http = app.Tools.CreateClient();
        http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        http.DefaultRequestHeaders.Accept.ParseAdd("text/event-stream");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await app.KeyAsync(["tools:list", "tools:call"]));
        return http;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("2025-06-18")]
    [InlineData("2025-11-25")]
    public async Task Initialize_negotiates_each_supported_protocol_version(string version)
    {
        using var http = await ClientAsync();

        var response = await http.PostAsync("/mcp", Json("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"VERSION","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""".Replace("VERSION", version, StringComparison.Ordinal)));
        var text = await response.Content.ReadAsStringAsync();
        var json = text.StartsWith('{') ? text : text.Split('\n').First(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.True(JsonDocument.Parse(json).RootElement.TryGetProperty("result", out _), text);
        Assert.Equal(version, JsonDocument.Parse(json).RootElement.GetProperty("result").GetProperty("protocolVersion").GetString());
    }

    /// <summary>2026-07-28 has no initialize handshake: the version travels with every request (header and _meta).</summary>
    [Fact]
    public async Task Protocol_2026_07_28_is_served_without_an_initialize_handshake()
    {
        using var http = await ClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = Json("""{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}}}""") };
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "tools/list");

        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Contains("\"echo\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Browser_origin_that_is_not_allowed_gets_403()
    {
        using var http = await ClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = Json("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""") };
        request.Headers.Add("Origin", "http://evil.example");

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>A thousand generated malformed bodies: truncations, byte flips, wrong types, odd ids and nesting.</summary>
    [Fact]
    public async Task A_thousand_generated_malformed_requests_never_get_a_server_error()
    {
        using var http = await ClientAsync();
        var seeds = new[]
        {
            """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}""",
            """{"jsonrpc":"2.0","id":"a","method":"tools/list","params":{}}""",
            """{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}""",
        };
        var replacements = new[] { "null", "true", "[]", "{}", "\"\"", "-1", "1e309", "\"\\u0000\"", "[[[[[[]]]]]]", "\"\\ud800\"" };
        var random = new Random(20261122);
        var failures = new List<string>();

        for (var i = 0; i < 1000; i++)
        {
            var seed = seeds[random.Next(seeds.Length)];
            var bytes = (random.Next(4)) switch
            {
                0 => Encoding.UTF8.GetBytes(seed[..random.Next(seed.Length)]),
                1 => FlipBytes(Encoding.UTF8.GetBytes(seed), random),
                2 => Encoding.UTF8.GetBytes(ReplaceValue(seed, replacements[random.Next(replacements.Length)], random)),
                _ => Encoding.UTF8.GetBytes(new string('[', random.Next(1, 3000)) + seed),
            };
            using var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

            var response = await http.PostAsync("/mcp", content);

            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"{(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)[..Math.Min(bytes.Length, 300)]} => {(await response.Content.ReadAsStringAsync())[..Math.Min(300, (int)(response.Content.Headers.ContentLength ?? 300))]}");
            }
        }

        Assert.Empty(failures);
    }

    private static byte[] FlipBytes(byte[] bytes, Random random)
    {
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
        }

        return bytes;
    }

    private static string ReplaceValue(string json, string replacement, Random random)
    {
        var colons = Enumerable.Range(0, json.Length).Where(i => json[i] == ':').ToArray();
        var at = colons[random.Next(colons.Length)] + 1;
        var end = json.IndexOfAny([',', '}'], at);
        return json[..at] + replacement + json[end..];
    }
}
