using Wolverine.Attributes;

namespace Platform.Contracts.Auth;

// Integration events published by Auth through the Marten/Wolverine outbox. Every event carries an EventId
// (Audit is idempotent by it), the time it happened and the trace it belongs to.

/// <param name="AuditRetentionDays">
/// The tenant's plan's audit retention when the tenant was created, so Audit can apply it without reading Auth's
/// plans. Null from publishers that predate it; Audit then applies its default retention.
/// </param>
[MessageIdentity("platform.auth.tenant-created.v1")]
public sealed record TenantCreated(
    Guid EventId, string TenantId, string Name, string Plan, string Status,
    Actor Actor, DateTimeOffset OccurredAt, string? TraceId, int? AuditRetentionDays = null);

[MessageIdentity("platform.auth.tenant-status-changed.v1")]
public sealed record TenantStatusChanged(
    Guid EventId, string TenantId, string Status, string PreviousStatus, string? Reason,
    Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

[MessageIdentity("platform.auth.api-key-issued.v1")]
public sealed record ApiKeyIssued(
    Guid EventId, string KeyId, string TenantId, string Name,
    IReadOnlyList<string> Scopes, IReadOnlyList<string> ToolPatterns, IReadOnlyList<string> IpAllowlist,
    DateTimeOffset? ExpiresAt, Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

[MessageIdentity("platform.auth.api-key-rotated.v1")]
public sealed record ApiKeyRotated(
    Guid EventId, string KeyId, string TenantId, DateTimeOffset PreviousSecretValidUntil,
    Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

[MessageIdentity("platform.auth.api-key-revoked.v1")]
public sealed record ApiKeyRevoked(
    Guid EventId, string KeyId, string TenantId, string Reason,
    Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

[MessageIdentity("platform.auth.api-key-changed.v1")]
public sealed record ApiKeyChanged(
    Guid EventId, string KeyId, string TenantId,
    IReadOnlyList<string> Scopes, IReadOnlyList<string> ToolPatterns, IReadOnlyList<string> IpAllowlist,
    Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

[MessageIdentity("platform.auth.api-key-expired.v1")]
public sealed record ApiKeyExpired(
    Guid EventId, string KeyId, string TenantId, DateTimeOffset OccurredAt, string? TraceId);

/// <summary>Failed verifications from one client IP, aggregated over a window so a flood cannot flood the audit.</summary>
[MessageIdentity("platform.auth.authentication-failed.v1")]
public sealed record AuthenticationFailed(
    Guid EventId, string ClientIp, string Reason, int Count,
    DateTimeOffset WindowStart, DateTimeOffset WindowEnd, string? TraceId);
