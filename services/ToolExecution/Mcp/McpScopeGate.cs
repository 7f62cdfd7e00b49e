using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Platform.Credentials.Scopes;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Http;

namespace Platform.ToolExecution.Mcp;

/// <summary>
/// Turns a missing scope into HTTP 403 with <c>error="insufficient_scope"</c> (MCP authorization, RFC 6750) before
/// the MCP handler runs, which needs the JSON-RPC method: the body is buffered (it is size-limited) and its
/// top-level <c>method</c> read. It also applies the MCP body size limit, lower than the server-wide one.
/// </summary>
public static class McpScopeGate
{
    public static IApplicationBuilder UseMcpScopeGate(this IApplicationBuilder app) =>
        app.UseWhen(
            http => HttpMethods.IsPost(http.Request.Method) && http.Request.Path.Equals(McpEndpoint.Path, StringComparison.Ordinal),
            branch => branch.Use(async (http, next) =>
            {
                var maxBody = http.RequestServices.GetRequiredService<IOptions<McpOptions>>().Value.MaxRequestBodyBytes;
                if (http.Request.ContentLength > maxBody)
                {
                    await Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
                        detail: $"MCP requests are limited to {maxBody} bytes.", type: ProblemTypes.PayloadTooLarge).ExecuteAsync(http);
                    return;
                }

                // Chunked bodies carry no length up front; the server stops reading them at the same limit.
                if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                {
                    limit.MaxRequestBodySize = maxBody;
                }

                if (http.User.Identity?.IsAuthenticated == true && await RequiredScopeAsync(http) is { } scope && !http.User.HasScope(scope))
                {
                    http.Items[BearerAuthenticationHandler.RequiredScopeItem] = scope;
                    await http.ForbidAsync();
                    return;
                }

                await next(http);
            }));

    private static async Task<string?> RequiredScopeAsync(HttpContext http)
    {
        http.Request.EnableBuffering();
        string? method = null;
        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, default, http.RequestAborted);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String)
            {
                method = m.GetString();
            }
        }
        catch (JsonException)
        {
            // Malformed JSON is the MCP handler's to answer with a JSON-RPC parse error.
        }
        catch (BadHttpRequestException)
        {
            // Oversized bodies are refused by the MCP endpoint's size limit with 413.
        }
        finally
        {
            http.Request.Body.Position = 0;
        }

        return method switch
        {
            "tools/call" => Scope.ToolsCall,
            "tools/list" => Scope.ToolsList,
            _ => null,
        };
    }
}
