namespace Platform.Sandbox.Network;

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
