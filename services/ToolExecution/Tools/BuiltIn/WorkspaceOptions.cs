using Platform.Sandbox.Files;

namespace Platform.ToolExecution.Tools.BuiltIn;

/// <summary>Bound from <c>Tools:Workspaces</c>.</summary>
public sealed class WorkspaceOptions
{
    public const string Section = "Tools:Workspaces";

    /// <summary>Folder holding one sub-folder per tenant; defaults to <c>platform-workspaces</c> in the temp directory.</summary>
    public string? Root { get; set; }

    public long MaxReadBytes { get; set; } = 1024 * 1024;

    public long MaxWriteBytes { get; set; } = 1024 * 1024;

    public long QuotaBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Entries returned by one <c>fs_list</c>; more are reported as truncated.</summary>
    public int MaxListEntries { get; set; } = 1000;

    public string ResolvedRoot => string.IsNullOrWhiteSpace(Root) ? Path.Join(Path.GetTempPath(), "platform-workspaces") : Root;

    public WorkspaceLimits Limits => new() { MaxReadBytes = MaxReadBytes, MaxWriteBytes = MaxWriteBytes, QuotaBytes = QuotaBytes };
}
