namespace Platform.ToolExecution.Tools.BuiltIn;

/// <summary>Bound from <c>Tools:HttpFetch</c>.</summary>
public sealed class HttpFetchOptions
{
    public const string Section = "Tools:HttpFetch";

    public int MaxResponseBytes { get; set; } = 1024 * 1024;

    public int MaxRedirects { get; set; } = 5;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Per tenant id, the only hosts (exact or <c>*.suffix</c>) its calls may fetch. A tenant without an entry may
    /// fetch any public host; an entry only narrows, it never unblocks an internal address.
    /// </summary>
    public Dictionary<string, string[]> AllowedHosts { get; set; } = new(StringComparer.Ordinal);
}
