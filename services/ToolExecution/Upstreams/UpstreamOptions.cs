namespace Platform.ToolExecution.Upstreams;

/// <summary>One entry of the <c>Upstreams</c> section: a stdio command or an HTTP URL whose tools are exposed as <c>&lt;name&gt;.&lt;tool&gt;</c>.</summary>
public sealed class UpstreamOptions
{
    public const string Section = "Upstreams";

    public string? Command { get; set; }

    public string[] Args { get; set; } = [];

    /// <summary>The only variables the process gets, besides <c>PATH</c>; upstream secrets belong here, from a secret store.</summary>
    public Dictionary<string, string> Env { get; set; } = new(StringComparer.Ordinal);

    public string? WorkingDirectory { get; set; }

    public Uri? Url { get; set; }

    /// <summary>Operator opt-in for an HTTP upstream on an internal address, which the SSRF guard refuses otherwise.</summary>
    public bool AllowPrivateAddress { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes of a serialised result; a larger one is replaced by a tool error.</summary>
    public int MaxOutputBytes { get; set; } = 1024 * 1024;

    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Gives a stdio upstream the host's network inside bubblewrap; without it the sandbox has none.</summary>
    public bool AllowNetwork { get; set; }

    /// <summary>
    /// Absolute folders a stdio server may write to inside bubblewrap (a file-system server's allowed folder, say);
    /// everything else it sees is read-only. Without bubblewrap there is no such sandbox and this has no effect.
    /// </summary>
    public string[] WritableFolders { get; set; } = [];

    public int CpuSeconds { get; set; } = 300;

    public long AddressSpaceBytes { get; set; } = 8L * 1024 * 1024 * 1024;

    public long FileSizeBytes { get; set; } = 100L * 1024 * 1024;

    public int MaxProcesses { get; set; } = 256;

    public TimeSpan MaxRestartBackoff { get; set; } = TimeSpan.FromSeconds(30);
}
