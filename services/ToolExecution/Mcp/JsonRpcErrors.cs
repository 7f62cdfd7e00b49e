using System.Text.Json;
using Platform.ServiceDefaults.Storage;

namespace Platform.ToolExecution.Mcp;

/// <summary>
/// JSON-RPC error answers written by the pipeline itself, for input the MCP SDK would otherwise turn into a 500:
/// bodies that are not JSON, and params whose shape its deserializer cannot bind (a number where a string belongs).
/// </summary>
internal static partial class JsonRpcErrors
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;

    /// <summary>Server-defined code: the platform cannot serve the call right now (its database is unreachable).</summary>
    public const int Unavailable = -32030;

    public const string UnavailableMessage = "Tool calls cannot be recorded right now (the platform's database is unreachable); retry later.";

    public static async Task WriteAsync(HttpContext http, JsonElement? id, int code, string message)
    {
        http.Response.StatusCode = StatusCodes.Status400BadRequest;
        http.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(http.Response.Body, new { jsonrpc = "2.0", id, error = new { code, message } }, cancellationToken: http.RequestAborted);
    }

    /// <summary>503 with <c>Retry-After</c>, before the tool runs: no call is accepted that could not be recorded.</summary>
    public static async Task WriteUnavailableAsync(HttpContext http, JsonElement? id)
    {
        MarkUnavailable(http.Response);
        http.Response.ContentType = "application/json";
        var error = new { code = Unavailable, message = UnavailableMessage, data = new { retryAfterSeconds = DatabaseAvailability.RetryAfterSeconds } };
        await JsonSerializer.SerializeAsync(http.Response.Body, new { jsonrpc = "2.0", id, error }, cancellationToken: http.RequestAborted);
    }

    /// <summary>The status line and <c>Retry-After</c> of a call refused because the database is unreachable.</summary>
    public static void MarkUnavailable(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = DatabaseAvailability.RetryAfterHeaderValue;
    }

    /// <summary>Runs the MCP handler and answers binding failures with "invalid request" while nothing is sent yet.</summary>
    public static RequestDelegate Guard(RequestDelegate next, McpRequest request) => async http =>
    {
        try
        {
            await next(http);
        }
        catch (Exception e) when (!http.Response.HasStarted && e is JsonException or FormatException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            LogRejected(http.RequestServices.GetRequiredService<ILogger<McpRequest>>(), request.Method, e.GetType().Name);
            await WriteAsync(http, request.Id, InvalidRequest, "Invalid request: the params do not have the shape this method requires.");
        }
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP request '{Method}' rejected as invalid ({ExceptionType})")]
    private static partial void LogRejected(ILogger logger, string? method, string exceptionType);
}
