using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace Platform.ToolExecution.Upstreams;

/// <summary>
/// The tools upstreams have published so far. The HTTP transport builds fresh server options for every session (every
/// request when stateless), so the tools are added there on each build rather than once into a shared collection.
/// </summary>
internal sealed class UpstreamToolRegistry : IPostConfigureOptions<McpServerOptions>
{
    private readonly ConcurrentDictionary<string, McpServerTool> _tools = new(StringComparer.Ordinal);

    public void Publish(McpServerTool tool) => _tools[tool.ProtocolTool.Name] = tool;

    public void PostConfigure(string? name, McpServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (_tools.IsEmpty)
        {
            return;
        }

        var collection = options.ToolCollection ??= [];
        foreach (var tool in _tools.Values)
        {
            if (collection.TryGetPrimitive(tool.ProtocolTool.Name, out var previous))
            {
                collection.Remove(previous);
            }

            collection.Add(tool);
        }
    }
}
