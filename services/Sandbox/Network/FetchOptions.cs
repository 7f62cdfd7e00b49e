namespace Platform.Sandbox.Network;

/// <summary>Per-call limits for <see cref="PinnedHttpFetcher.FetchAsync"/>.</summary>
public sealed record FetchOptions
{
    /// <summary>Exact host names or <c>*.suffix</c> patterns; empty means any public host.</summary>
    public IReadOnlyCollection<string> AllowedHosts { get; init; } = [];

    public int MaxRedirects { get; init; } = 5;

    /// <summary>Bytes of body kept; reading stops after this many and the result is marked truncated.</summary>
    public int MaxResponseBytes { get; init; } = 1024 * 1024;

    /// <summary>Covers every hop, from the first connect to the last byte read.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}
