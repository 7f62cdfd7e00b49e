namespace Platform.Sandbox.Files;

/// <summary>Limits for one tenant's workspace; the defaults suit tool-sized files, not bulk storage.</summary>
public sealed record WorkspaceLimits
{
    public int MaxPathLength { get; init; } = 1024;

    /// <summary>Bytes per path segment in UTF-8; 255 is the common file-system limit for a name.</summary>
    public int MaxNameBytes { get; init; } = 255;

    public long MaxReadBytes { get; init; } = 1024 * 1024;

    public long MaxWriteBytes { get; init; } = 1024 * 1024;

    public long QuotaBytes { get; init; } = 100L * 1024 * 1024;
}
