using Platform.Auth.Plans;

namespace Platform.Auth;

/// <summary>Bound from the <c>Auth</c> configuration section.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>First part of every issued key (<c>mcp_live_…</c>); secret scanners match on it.</summary>
    public string KeyPrefix { get; set; } = "mcp";

    public string KeyEnvironment { get; set; } = "live";

    /// <summary>A secret from configuration that is always an <c>admin</c> credential; the AppHost generates one.</summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>Pepper versions (base64, at least 32 bytes) for hashing key secrets; the newest hashes new keys.</summary>
    public Dictionary<string, string> Peppers { get; set; } = [];

    public string? CurrentPepperVersion { get; set; }

    public Dictionary<string, PlanOptions> Plans { get; set; } = [];

    /// <summary>Failed verifications are reported to the audit trail once per (client IP, reason) and window.</summary>
    public TimeSpan FailureAggregationWindow { get; set; } = TimeSpan.FromMinutes(1);
}
