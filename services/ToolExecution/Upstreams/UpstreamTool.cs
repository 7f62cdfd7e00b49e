using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Platform.ToolExecution.Upstreams;

/// <summary>An upstream's tool under its exposed name, with the upstream's own schemas and annotations.</summary>
internal sealed class UpstreamTool(UpstreamConnection upstream, Tool upstreamTool, string exposedName) : McpServerTool
{
    public override Tool ProtocolTool { get; } = new()
    {
        Name = exposedName,
        Title = upstreamTool.Title,
        Description = upstreamTool.Description,
        InputSchema = upstreamTool.InputSchema,
        OutputSchema = upstreamTool.OutputSchema,
        Annotations = upstreamTool.Annotations,
    };

    public override IReadOnlyList<object> Metadata { get; } = [];

    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken) =>
        upstream.CallAsync(upstreamTool.Name, request?.Params?.Arguments, cancellationToken);
}
