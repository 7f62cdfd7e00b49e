namespace Platform.Bench;

public sealed record BenchSettings
{
    public int Runs { get; init; } = 3;

    /// <summary>Sequential latency phases.</summary>
    public TimeSpan ShortPhase { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Closed-loop and fixed-rate phases.</summary>
    public TimeSpan LoadPhase { get; init; } = TimeSpan.FromSeconds(4);

    public required string OutputPath { get; init; }

    public required string RepositoryRoot { get; init; }

    public IReadOnlySet<string> Scenarios { get; init; } = new HashSet<string>(["ratelimit", "verify", "mcp"]);

    public string CommandLine { get; init; } = "";
}
