using System.Globalization;
using System.Text.Json;
using Platform.RateLimiting;

namespace Platform.ToolExecution.RateLimits;

/// <summary>
/// The HTTP face of a rate-limit decision: <c>Retry-After</c>, the IETF <c>RateLimit-Policy</c> and <c>RateLimit</c>
/// headers, and for a refusal a JSON-RPC error body that names the limit, since MCP clients read JSON-RPC.
/// </summary>
internal static class RateLimitResponses
{
    /// <summary>JSON-RPC server-defined error code for "rate limited / limiter unavailable".</summary>
    public const int JsonRpcRateLimited = -32029;

    public static string LimitName(LimitKind kind) => kind switch
    {
        LimitKind.Key => "key",
        LimitKind.Tenant => "tenant",
        LimitKind.KeyTool => "key_tool",
        LimitKind.Concurrency => "concurrency",
        LimitKind.AuthFailures => "auth_failures",
        _ => "none",
    };

    public static void AddHeaders(HttpResponse response, RateLimitDecision decision)
    {
        if (decision.Policy is { } policy)
        {
            var name = LimitName(decision.Limit);
            response.Headers["RateLimit-Policy"] = $"\"{name}\";q={policy.PermitLimit};w={Seconds(policy.Window)}";
            response.Headers["RateLimit"] = $"\"{name}\";r={Math.Max(0, decision.Remaining)};t={Seconds(decision.Reset)}";
        }

        if (!decision.IsAllowed)
        {
            response.Headers.RetryAfter = Seconds(decision.RetryAfter).ToString(CultureInfo.InvariantCulture);
        }
    }

    public static async Task WriteRefusalAsync(HttpContext http, RateLimitDecision decision, JsonElement? id)
    {
        var unavailable = decision.Outcome == RateLimitOutcome.Unavailable;
        http.Response.StatusCode = unavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status429TooManyRequests;
        AddHeaders(http.Response, decision);
        http.Response.ContentType = "application/json";
        var limit = LimitName(decision.Limit);
        var body = new
        {
            jsonrpc = "2.0",
            id,
            error = new
            {
                code = JsonRpcRateLimited,
                message = unavailable
                    ? "Rate limiting is unavailable and this policy fails closed; retry later."
                    : $"Rate limit exceeded: {limit}.",
                data = new { limit = unavailable ? "unavailable" : limit, retryAfterSeconds = Seconds(decision.RetryAfter) },
            },
        };
        await JsonSerializer.SerializeAsync(http.Response.Body, body, cancellationToken: http.RequestAborted);
    }

    private static long Seconds(TimeSpan span) => Math.Max(0, (long)Math.Ceiling(span.TotalSeconds));
}
