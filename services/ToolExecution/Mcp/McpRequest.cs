using System.Text.Json;

namespace Platform.ToolExecution.Mcp;

/// <summary>The parts of a JSON-RPC request the HTTP pipeline needs before the MCP handler runs.</summary>
public sealed record McpRequest(string? Method, string? ToolName, JsonElement? Id, bool IsMalformed = false)
{
    public static readonly McpRequest Unreadable = new(null, null, null);
    public static readonly McpRequest Malformed = new(null, null, null, IsMalformed: true);

    /// <summary>Reads the buffered body; leaves it rewound for the MCP handler.</summary>
    public static async Task<McpRequest> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        request.EnableBuffering();
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, default, ct);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Unreadable;
            }

            var method = root.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            var tool = root.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            JsonElement? id = root.TryGetProperty("id", out var i) && i.ValueKind is JsonValueKind.String or JsonValueKind.Number ? i.Clone() : null;
            return new McpRequest(method, tool, id);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            // Not JSON, invalid UTF-8, or strings that are not valid Unicode (lone surrogates).
            return Malformed;
        }
        catch (BadHttpRequestException)
        {
            // A body over the limit: the MCP handler's own read fails the same way and answers 413.
            return Unreadable;
        }
        finally
        {
            request.Body.Position = 0;
        }
    }

    public bool IsToolCall => Method == "tools/call";
}
