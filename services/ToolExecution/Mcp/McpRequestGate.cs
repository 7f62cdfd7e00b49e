using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Platform.Credentials.Scopes;
using Platform.Authentication;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Storage;
using Platform.ToolExecution.RateLimits;

namespace Platform.ToolExecution.Mcp;

/// <summary>
/// What must happen to a request to <c>/mcp</c> before the MCP handler runs, in order: the Origin check (every method; a
/// CORS preflight never gets here, <see cref="PlatformCors"/> answers it), then for <c>POST</c> the body size limit, the scope
/// check (HTTP 403 <c>insufficient_scope</c> needs the JSON-RPC method, so the body is buffered and read once), and
/// the distributed rate limit for tool calls.
/// </summary>
public static class McpRequestGate
{
    public static IApplicationBuilder UseMcpRequestGate(this IApplicationBuilder app) =>
        app.UseWhen(
            http => http.Request.Path.Equals(McpEndpoint.Path, StringComparison.Ordinal),
            branch => branch.Use(async (http, next) =>
            {
                var mcp = http.RequestServices.GetRequiredService<IOptions<McpOptions>>().Value;
                // Every method: in stateful mode GET opens a session's event stream and DELETE ends a session. A request
                // without Origin (any non-browser client) is fine; a browser origin not configured for CORS
                // (Cors:AllowedOrigins) gets 403, which stops DNS-rebinding pages from driving a local server.
                var browsers = http.RequestServices.GetRequiredService<IOptionsMonitor<PlatformCorsOptions>>().CurrentValue;
                if (http.Request.Headers.Origin is [{ } origin] && !browsers.Allows(origin))
                {
                    await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Origin not allowed",
                        detail: "This origin may not call the MCP endpoint.", type: ProblemTypes.Forbidden).ExecuteAsync(http);
                    return;
                }

                if (!HttpMethods.IsPost(http.Request.Method))
                {
                    await next(http);
                    return;
                }

                var maxBody = mcp.MaxRequestBodyBytes;
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

                if (http.User.Identity?.IsAuthenticated != true)
                {
                    await next(http);
                    return;
                }

                var request = await McpRequest.ReadAsync(http.Request, http.RequestAborted);
                if (request.IsMalformed)
                {
                    await JsonRpcErrors.WriteAsync(http, null, JsonRpcErrors.ParseError, "Parse error: the body is not valid JSON in UTF-8.");
                    return;
                }
                var scope = request.Method switch
                {
                    "tools/call" => Scope.ToolsCall,
                    "tools/list" => Scope.ToolsList,
                    _ => null,
                };
                if (scope is not null && !http.User.HasScope(scope))
                {
                    http.Items[BearerAuthenticationHandler.RequiredScopeItem] = scope;
                    await http.ForbidAsync();
                    return;
                }

                var guarded = JsonRpcErrors.Guard(next, request);
                if (!request.IsToolCall)
                {
                    await guarded(http);
                    return;
                }

                // A call that could not be recorded must not run: while PostgreSQL is known to be down, refuse at once.
                if (!http.RequestServices.GetRequiredService<DatabaseAvailability>().IsAvailable)
                {
                    await JsonRpcErrors.WriteUnavailableAsync(http, request.Id);
                    return;
                }

                // The SDK commits its 200 status line before the tool runs; held back, the call can still answer 503
                // when recording it finds the database gone (ToolAccessFilters).
                http.Response.Body = new HeaderCommitDeferringStream(http.Response.Body);
                await http.RequestServices.GetRequiredService<ToolCallRateLimits>().RunAsync(http, request, guarded);
            }));
}
