namespace Platform.Bench;

public sealed record BenchSettings
{
    public int Runs { get; init; } = 3;

    /// <summary>Sequential latency phases.</summary>
    public TimeSpan ShortPhase { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Closed-loop and fixed-rate phases.</summary>
    public TimeSpan LoadPhase { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Warm-up of the platform before its first measured echo phase and of each side of the proxy comparison: tiered
    /// compilation of the services' hot paths on two shared cores takes tens of seconds. Shortened only for smoke runs.
    /// </summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(20);

    public required string OutputPath { get; init; }

    public required string RepositoryRoot { get; init; }

    public IReadOnlySet<string> Scenarios { get; init; } = new HashSet<string>(["ratelimit", "verify", "mcp"]);

    public string CommandLine { get; init; } = "";
}
