namespace Platform.ToolExecution.Conformance;

/// <summary>Bound from the <c>Conformance</c> configuration section.</summary>
public sealed class ConformanceOptions
{
    public const string Section = "Conformance";

    /// <summary>
    /// Serves the fixtures of the official MCP conformance suite. Off by default: they are test fixtures, not
    /// tools anyone needs, and every tool listed is one more thing a key's patterns must account for.
    /// </summary>
    public bool Enabled { get; set; }
}
