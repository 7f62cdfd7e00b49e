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

/// <summary>The outcome of a fetch; a refusal is a value, not an exception, so it can be recorded.</summary>
public sealed record FetchResult
{
    public bool Succeeded { get; init; }

    /// <summary>Why the fetch was refused or failed; empty when <see cref="Succeeded"/>.</summary>
    public string Error { get; init; } = string.Empty;

    public int StatusCode { get; init; }

    public Uri? FinalUri { get; init; }

    public string? ContentType { get; init; }

    public ReadOnlyMemory<byte> Body { get; init; }

    public bool Truncated { get; init; }

    public int Redirects { get; init; }

    public static FetchResult Failed(string error, int redirects = 0) =>
        new() { Succeeded = false, Error = error, Redirects = redirects };
}

/// <summary>Where DNS answers come from and which blocked addresses are nevertheless reachable.</summary>
public sealed record FetcherSettings
{
    public Func<string, CancellationToken, Task<System.Net.IPAddress[]>> Resolve { get; init; } =
        System.Net.Dns.GetHostAddressesAsync;

    /// <summary>
    /// Addresses exempt from <see cref="SsrfGuard.IsBlocked"/>. Exists only so tests can reach a listener on
    /// 127.0.0.1; production leaves it empty. It never exempts a URL literal, only a resolved address.
    /// </summary>
    public IReadOnlyCollection<System.Net.IPAddress> ExemptAddresses { get; init; } = [];
}
