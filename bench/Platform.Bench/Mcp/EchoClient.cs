using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Platform.Bench.Mcp;

/// <summary>
/// The load generator's request: MCP <c>tools/call echo</c> over Streamable HTTP with a unique JSON-RPC id, reading
/// either a JSON or an SSE answer and succeeding only on a result for that id that carries the message back.
/// With <paramref name="perRequestProtocol"/> it speaks 2026-07-28 (version, client info and method in every request,
/// no session), which lets a session-based server such as mcp-proxy be driven exactly like the stateless platform.
/// </summary>
public sealed class EchoClient(HttpClient http, Uri endpoint, string? bearer, string tool = "echo", bool perRequestProtocol = false)
{
    private const string PerRequestMeta =
        ",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{},\"io.modelcontextprotocol/clientInfo\":{\"name\":\"platform-bench\",\"version\":\"1\"}}";

    private const string Message = "hello from the bench";
    private long _nextId;

    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 256,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public async ValueTask<bool> CallAsync() => (await CallDescribedAsync().ConfigureAwait(false)) is null;

    /// <summary>Null on success, else what went wrong (status and body), for the check before measuring.</summary>
    public async ValueTask<string?> CallDescribedAsync()
    {
        var id = Interlocked.Increment(ref _nextId);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(
                "{\"jsonrpc\":\"2.0\",\"id\":" + id.ToString(CultureInfo.InvariantCulture)
                    + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":{\"message\":\"" + Message + "\"}"
                    + (perRequestProtocol ? PerRequestMeta : "") + "}}",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", perRequestProtocol ? "2026-07-28" : "2025-06-18");
        if (perRequestProtocol)
        {
            request.Headers.Add("Mcp-Method", "tools/call");
            request.Headers.Add("Mcp-Name", tool);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await http.SendAsync(request).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return $"{(int)response.StatusCode}: {body}";
        }

        var json = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? LastData(body) : body;
        return json is not null && IsEchoResult(json, id) ? null : $"not an echo result for id {id}: {body}";
    }

    /// <summary>The last <c>data:</c> line of an SSE answer: a Streamable HTTP response carries its JSON-RPC result there.</summary>
    internal static string? LastData(string sse)
    {
        string? data = null;
        foreach (var line in sse.Split('\n'))
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data = line[5..].Trim();
            }
        }

        return data;
    }

    private static bool IsEchoResult(string json, long id)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return root.TryGetProperty("id", out var answerId) && answerId.ValueKind == JsonValueKind.Number && answerId.GetInt64() == id
            && root.TryGetProperty("result", out var result)
            && !(result.TryGetProperty("isError", out var isError) && isError.ValueKind == JsonValueKind.True)
            && result.TryGetProperty("content", out var content) && content.GetArrayLength() > 0
            // Our echo returns the message; server-everything's returns "Echo: <message>".
            && content[0].TryGetProperty("text", out var text) && text.GetString() is Message or "Echo: " + Message;
    }
}
