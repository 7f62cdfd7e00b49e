namespace Platform.Contracts.Auth;

/// <summary>Auth's internal verification call: <c>POST /internal/keys/verify</c>.</summary>
public sealed record VerifyKeyRequest(string Key, string? ClientIp);

/// <summary>
/// <see cref="Status"/> is <c>VALID</c> or one reason from <see cref="VerificationStatus"/>. Only a valid answer
/// carries the key's identity, grants and limits. <see cref="ValidUntil"/> is when a valid answer stops being true
/// by itself (the key's expiry, or the end of a rotated-out secret's grace period): a cache must not serve it later.
/// </summary>
public sealed record VerifyKeyResponse(
    string Status,
    string? KeyId = null,
    string? TenantId = null,
    IReadOnlyList<string>? Scopes = null,
    IReadOnlyList<string>? ToolPatterns = null,
    PlanLimits? Limits = null,
    DateTimeOffset? ValidUntil = null);

public static class VerificationStatus
{
    public const string Valid = "VALID";
    public const string Malformed = "MALFORMED";
    public const string NotFound = "NOT_FOUND";
    public const string Revoked = "REVOKED";
    public const string Expired = "EXPIRED";
    public const string TenantInactive = "TENANT_INACTIVE";
    public const string IpNotAllowed = "IP_NOT_ALLOWED";
}

/// <summary>The effective limits of a key: its tenant's plan with the key's overrides applied.</summary>
public sealed record PlanLimits(
    string Plan,
    int RequestsPerMinutePerKey,
    int RequestsPerMinutePerTenant,
    int RequestsPerMinutePerKeyAndTool,
    int ConcurrentCallsPerKey,
    int AuditRetentionDays);
