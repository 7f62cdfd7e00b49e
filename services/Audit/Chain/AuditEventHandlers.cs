using System.Text.Json;
using Platform.Audit.Retention;
using Platform.Contracts;
using AuthEvents = Platform.Contracts.Auth;
using RateLimits = Platform.Contracts.RateLimits;
using ToolCalls = Platform.Contracts.ToolCalls;

namespace Platform.Audit.Chain;

/// <summary>
/// Turns every integration event into an audit entry and hands it to the chain's single writer. Each handler returns
/// only once its record is committed (the writer commits many handlers' records together), and only then does
/// Wolverine's durable inbox mark the envelope handled; a crash between the two replays the message, and the event id
/// makes the replay a no-op.
/// </summary>
public static class AuditEventHandlers
{
    // The plan's retention travels with the event; the writer stores it in the append's transaction, so a record of
    // the tenant never exists without its retention.
    public static Task Handle(AuthEvents.TenantCreated e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "tenant.created", "tenant:" + e.TenantId, "success", Details(new { e.Name, e.Plan, e.Status, e.AuditRetentionDays }), e.TraceId), ct,
            new TenantRetention { Id = e.TenantId, Plan = e.Plan, Days = e.AuditRetentionDays });

    public static Task Handle(AuthEvents.TenantStatusChanged e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "tenant.status_changed", "tenant:" + e.TenantId, "success", Details(new { e.Status, e.PreviousStatus, e.Reason }), e.TraceId), ct);

    public static Task Handle(AuthEvents.ApiKeyIssued e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "key.issued", "key:" + e.KeyId, "success",
            Details(new { e.Name, e.Scopes, e.ToolPatterns, e.IpAllowlist, e.ExpiresAt }), e.TraceId), ct);

    public static Task Handle(AuthEvents.ApiKeyRotated e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "key.rotated", "key:" + e.KeyId, "success", Details(new { e.PreviousSecretValidUntil }), e.TraceId), ct);

    public static Task Handle(AuthEvents.ApiKeyRevoked e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "key.revoked", "key:" + e.KeyId, "success", Details(new { e.Reason }), e.TraceId), ct);

    public static Task Handle(AuthEvents.ApiKeyChanged e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "key.changed", "key:" + e.KeyId, "success", Details(new { e.Scopes, e.ToolPatterns, e.IpAllowlist }), e.TraceId), ct);

    public static Task Handle(AuthEvents.ApiKeyExpired e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, Actor.System with { TenantId = e.TenantId },
            "key.expired", "key:" + e.KeyId, "success", null, e.TraceId), ct);

    public static Task Handle(AuthEvents.OAuthClientRegistered e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor,
            "oauth.client_registered", "client:" + e.ClientId, "success", Details(new { e.ClientName, e.ApplicationType, e.RedirectHosts }), e.TraceId), ct);

    public static Task Handle(AuthEvents.OAuthConsentGranted e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "oauth.consent_granted", "grant:" + e.GrantId, "success", Details(new { e.PersonId, e.ClientId, e.Scopes }), e.TraceId), ct);

    /// <summary>A grant revoked by refresh-token reuse is a failure: someone replayed a token.</summary>
    public static Task Handle(AuthEvents.OAuthGrantRevoked e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            e.Reason == "refresh_token_reuse" ? "oauth.refresh_token_reused" : "oauth.grant_revoked", "grant:" + e.GrantId,
            e.Reason == "refresh_token_reuse" ? "failure" : "success", Details(new { e.PersonId, e.ClientId, e.Reason }), e.TraceId), ct);

    public static Task Handle(AuthEvents.AuthenticationFailed e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.WindowEnd, new Actor(null, null, e.ClientIp),
            "auth.failed", "ip:" + e.ClientIp, "failure", Details(new { e.Reason, e.Count, e.WindowStart, e.WindowEnd }), e.TraceId), ct);

    // People and their sign-ins. The target is the person; a platform administrator has no tenant. No event carries a
    // password, code or token, so there is nothing to redact beyond what the records already leave out.
    public static Task Handle(AuthEvents.MemberInvited e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "member.invited", "person:" + e.PersonId, "success",
            Details(new { e.Email, e.DisplayName, e.Roles, e.InvitationId, e.ExpiresAt }), e.TraceId), ct);

    public static Task Handle(AuthEvents.MemberJoined e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "member.joined", "person:" + e.PersonId, "success", Details(new { e.InvitationId }), e.TraceId), ct);

    public static Task Handle(AuthEvents.MemberRolesChanged e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "member.roles_changed", "person:" + e.PersonId, "success", Details(new { e.Roles, e.PreviousRoles }), e.TraceId), ct);

    public static Task Handle(AuthEvents.MemberRemoved e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "member.removed", "person:" + e.PersonId, "success", null, e.TraceId), ct);

    public static Task Handle(AuthEvents.MemberCredentialChanged e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "member." + e.Change, "person:" + e.PersonId, "success", null, e.TraceId), ct);

    public static Task Handle(AuthEvents.SignInSucceeded e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "signin.succeeded", "person:" + e.PersonId, "success", Details(new { e.Methods }), e.TraceId), ct);

    // An unknown email names no person: the target is the client's address, and the email typed is not kept.
    public static Task Handle(AuthEvents.SignInFailed e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "signin.failed", e.PersonId is { } person ? "person:" + person : "ip:" + e.Actor.ClientIp, "failure", Details(new { e.Reason }), e.TraceId), ct);

    public static Task Handle(AuthEvents.SignInLockedOut e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "signin.locked_out", "person:" + e.PersonId, "failure", Details(new { e.Until, e.Failures }), e.TraceId), ct);

    public static Task Handle(ToolCalls.ToolCallRecorded e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, e.Actor,
            "tool.call", "tool:" + e.Tool, e.Outcome,
            Details(new { e.CallId, e.Reason, e.ArgumentsSha256, arguments = e.RedactedArguments, e.DurationMs }), e.TraceId), ct);

    // The calls of one ToolExecution commit: appended together, so the chain writer commits them in one transaction;
    // the envelope is acknowledged only when every one of them is in the chain (a replay skips those already there).
    public static Task Handle(ToolCalls.ToolCallsRecorded e, ChainWriter writer, CancellationToken ct) =>
        Task.WhenAll(e.Calls.Select(call => Handle(call, writer, ct)));

    // Operational events of the platform itself: no tenant, the system acts, the target is the process that saw it.
    public static Task Handle(RateLimits.RateLimiterRedisUnavailable e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, Actor.System,
            "ratelimit.redis_unavailable", "node:" + e.Node, "failure", Details(new { e.Mode, e.Cause, e.UnavailableSince }), e.TraceId), ct);

    public static Task Handle(RateLimits.RateLimiterRedisRecovered e, ChainWriter writer, CancellationToken ct) =>
        writer.AppendAsync(new AuditEntry(e.EventId, e.OccurredAt, Actor.System,
            "ratelimit.redis_recovered", "node:" + e.Node, "success",
            Details(new { e.UnavailableSince, e.FailOpenDecisions, e.FailClosedDecisions }), e.TraceId), ct);

    private static string Details<T>(T value) => JsonSerializer.Serialize(value, DetailsJson);

    private static readonly JsonSerializerOptions DetailsJson = new(JsonSerializerDefaults.Web);
}
