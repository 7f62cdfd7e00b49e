namespace Platform.ToolExecution.Mcp;

/// <summary>Bound from the <c>Mcp</c> configuration section.</summary>
public sealed class McpOptions
{
    public const string Section = "Mcp";

    /// <summary>
    /// Stateless by default: any replica answers any request and no session affinity is needed. Stateful gives clients
    /// that initialize a session (<c>Mcp-Session-Id</c>), held in this replica's memory, so a load balancer must keep
    /// each session on one replica; in exchange the server can send requests to the client (sampling, elicitation).
    /// A session never stands in for the credential: every request is authenticated, and only the key that created a
    /// session may use it.
    /// </summary>
    public bool Stateful { get; set; }

    /// <summary>
    /// The public URL of this server's MCP endpoint: the audience of its access tokens and the <c>resource</c>
    /// of its RFC 9728 metadata. When unset, it is derived from the request.
    /// </summary>
    public string? ResourceUri { get; set; }

    /// <summary>Per-call limit unless a tool sets its own.</summary>
    public TimeSpan DefaultToolTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;
}
