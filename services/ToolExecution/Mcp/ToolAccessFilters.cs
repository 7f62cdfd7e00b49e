using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Platform.Credentials.Scopes;
using Platform.Credentials.Tools;
using Platform.Authentication;
using Platform.ServiceDefaults.Storage;
using Platform.ToolExecution.Calls;

namespace Platform.ToolExecution.Mcp;

/// <summary>
/// The MCP request filters that enforce a key's grants and record every call. <c>tools/list</c> shows only what the
/// key may call; <c>tools/call</c> of anything else gets the same answer whether or not the tool exists.
/// </summary>
internal static class ToolAccessFilters
{
    public static McpRequestHandler<ListToolsRequestParams, ListToolsResult> ListTools(McpRequestHandler<ListToolsRequestParams, ListToolsResult> next) =>
        async (context, ct) =>
        {
            var result = await next(context, ct);
            var patterns = context.User?.ToolPatternsOf() ?? [];
            result.Tools = [.. result.Tools.Where(tool => ToolPattern.AnyMatches(patterns, tool.Name))];
            return result;
        };

    /// <summary>
    /// A call whose record cannot be committed (in time) because PostgreSQL went away is not answered as a success: it gets
    /// 503 with <c>Retry-After</c> (the status line is still unsent, see <see cref="HeaderCommitDeferringStream"/>) and
    /// a JSON-RPC error, instead of the SDK's generic tool error in a 200.
    /// </summary>
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> CallTool(McpRequestHandler<CallToolRequestParams, CallToolResult> next)
    {
        var recordedCall = RecordedCall(next);
        return async (context, ct) =>
        {
            try
            {
                return await recordedCall(context, ct);
            }
            catch (Exception e) when (e is ToolCallNotRecordedException || context.Services?.GetRequiredService<DatabaseAvailability>().ReportFailure(e) == true)
            {
                var response = context.Services?.GetRequiredService<IHttpContextAccessor>().HttpContext?.Response;
                if (response is { HasStarted: false })
                {
                    JsonRpcErrors.MarkUnavailable(response);
                }

                throw new McpProtocolException(JsonRpcErrors.UnavailableMessage, (McpErrorCode)JsonRpcErrors.Unavailable);
            }
        };
    }

    private static McpRequestHandler<CallToolRequestParams, CallToolResult> RecordedCall(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, ct) =>
        {
            var services = context.Services ?? throw new InvalidOperationException("MCP request has no service scope.");
            var recorder = services.GetRequiredService<ToolCallRecorder>();
            var http = services.GetRequiredService<IHttpContextAccessor>().HttpContext;
            var toolName = context.Params?.Name ?? "";
            var call = recorder.Begin(toolName, context.User, http?.Connection.RemoteIpAddress?.ToString(), context.Params?.Arguments);

            var user = context.User;
            var allowed = user is not null
                && user.HasScope(Scope.ToolsCall)
                && ToolPattern.AnyMatches(user.ToolPatternsOf(), toolName)
                && context.MatchedPrimitive is not null;
            if (!allowed)
            {
                await recorder.RecordAsync(call, CallOutcome.Rejected(RejectionReasons.Forbidden));
                throw new McpProtocolException($"Tool '{toolName}' is not available to this credential.", McpErrorCode.InvalidParams);
            }

            if (context.MatchedPrimitive is McpServerTool tool
                && await ArgumentSchemaValidator.ValidateAsync(tool.ProtocolTool.InputSchema, context.Params?.Arguments) is { } invalid)
            {
                await recorder.RecordAsync(call, CallOutcome.Rejected(RejectionReasons.InvalidArguments));
                throw new McpProtocolException($"Invalid arguments for tool '{toolName}': {invalid}.", McpErrorCode.InvalidParams);
            }

            var timeout = services.GetRequiredService<IOptions<McpOptions>>().Value.DefaultToolTimeout;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(timeout);
            try
            {
                var result = await next(context, deadline.Token);
                var outcome = result.IsError == true
                    ? CallOutcome.Failed("tool_error", recorder.ElapsedMs(call))
                    : CallOutcome.Completed(recorder.ElapsedMs(call));
                await recorder.RecordAsync(call, outcome);
                return result;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                await recorder.RecordAsync(call, CallOutcome.Failed("timeout", recorder.ElapsedMs(call)));
                return ErrorResult($"Tool '{toolName}' did not finish within {timeout.TotalSeconds:0.#} s and was cancelled.");
            }
            catch (McpProtocolException)
            {
                await recorder.RecordAsync(call, CallOutcome.Rejected(RejectionReasons.InvalidArguments));
                throw;
            }
        };

    private static CallToolResult ErrorResult(string message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = message }],
    };
}
