using System.Text.Json;
using Marten;
using Wolverine;
using Platform.Audit.Retention;
using Platform.Contracts;
using AuthEvents = Platform.Contracts.Auth;
using RateLimits = Platform.Contracts.RateLimits;
using ToolCalls = Platform.Contracts.ToolCalls;

namespace Platform.Audit.Chain;

/// <summary>
/// Turns every integration event into an audit entry and appends it. Wolverine runs these on the strictly ordered
/// audit queue inside a Marten transaction that also marks the inbox envelope handled, so a crash between append and
/// acknowledgement replays the message, and the event id makes the replay a no-op.
/// </summary>
public static class AuditEventHandlers
{
    public static Task Handle(AuthEvents.TenantCreated e, IDocumentSession session, ChainWriter writer, IMessageContext bus, CancellationToken ct)
    {
        // The plan's retention travels with the event; storing it in the append's transaction means a record of the
        // tenant never exists without its retention.
        session.Store(new TenantRetention { Id = e.TenantId, Plan = e.Plan, Days = e.AuditRetentionDays });
        return writer.AppendAsync(session, bus, new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "tenant.created", "tenant:" + e.TenantId, "success", Details(new { e.Name, e.Plan, e.Status, e.AuditRetentionDays }), e.TraceId), ct);
    }

    public static Task Handle(AuthEvents.TenantStatusChanged e, IDocumentSession session, ChainWriter writer, IMessageContext bus, CancellationToken ct) =>
        writer.AppendAsync(session, bus, new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "tenant.status_changed", "tenant:" + e.TenantId, "success", Details(new { e.Status, e.PreviousStatus, e.Reason }), e.TraceId), ct);

    public static Task Handle(AuthEvents.ApiKeyIssued e, IDocumentSession session, ChainWriter writer, IMessageContext bus, CancellationToken ct) =>
        writer.AppendAsync(session, bus, new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "key.issued", "key:" + e.KeyId, "success",
            Details(new { e.Name, e.Scopes, e.ToolPatterns, e.IpAllowlist, e.ExpiresAt }), e.TraceId), ct);

    public static Task Handle(AuthEvents.ApiKeyRotated e, IDocumentSession session, ChainWriter writer, IMessageContext bus, CancellationToken ct) =>
        writer.AppendAsync(session, bus, new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "key.rotated", "key:" + e.KeyId, "success", Details(new { e.PreviousSecretValidUntil }), e.TraceId), ct);

    public static Task Handle(AuthEvents.ApiKeyRevoked e, IDocumentSession session, ChainWriter writer, IMessageContext bus, CancellationToken ct) =>
        writer.AppendAsync(session, bus, new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "key.revoked", "key:" + e.KeyId, "success", Details(new { e.Reason }), e.TraceId), ct);

    public static Task Handle(AuthEvents.ApiKeyChanged e, IDocumentSession session, ChainWriter writer, IMessageContext bus, CancellationToken ct) =>
        writer.AppendAsync(session, bus, new AuditEntry(e.EventId, e.OccurredAt, e.Actor with { TenantId = e.TenantId },
            "key.changed", "key:" + e.KeyId, "success", Details(new { e.Scopes, e.ToolPatterns, e.IpAllowlist }), e.TraceId), ct);

    public static Task Handle(AuthEvents.ApiKeyExpired e, IDocumentSession session, ChainWriter writer, IMessageContext bus, CancellationToken ct) =>
        writer.AppendAsync(session, bus, new AuditEntry(e.EventId, e.OccurredAt, Actor.System with { TenantId = e.TenantId },
            "key.expired", "key:" + e.KeyId, "success", null, e.TraceId), ct);

    public static Task Handle(AuthEvents.AuthenticationFailed e, IDocumentSession session, ChainWriter writer, IMessageContext bus, CancellationToken ct) =>
        writer.AppendAsync(session, bus, new AuditEntry(e.EventId, e.WindowEnd, new Actor(null, null, e.ClientIp),
            "auth.failed", "ip:" + e.ClientIp, "failure", Details(new { e.Reason, e.Count, e.WindowStart, e.WindowEnd }), e.TraceId), ct);

    public static Task Handle(ToolCalls.ToolCallRecorded e, IDocumentSession session, ChainWriter writer, IMessageContext bus, CancellationToken ct) =>
        writer.AppendAsync(session, bus, new AuditEntry(e.EventId, e.OccurredAt, e.Actor,
            "tool.call", "tool:" + e.Tool, e.Outcome,
            Details(new { e.CallId, e.Reason, e.ArgumentsSha256, arguments = e.RedactedArguments, e.DurationMs }), e.TraceId), ct);

    // Operational events of the platform itself: no tenant, the system acts, the target is the process that saw it.
    public static Task Handle(RateLimits.RateLimiterRedisUnavailable e, IDocumentSession session, ChainWriter writer, IMessageContext bus, CancellationToken ct) =>
        writer.AppendAsync(session, bus, new AuditEntry(e.EventId, e.OccurredAt, Actor.System,
            "ratelimit.redis_unavailable", "node:" + e.Node, "failure", Details(new { e.Mode, e.Cause, e.UnavailableSince }), e.TraceId), ct);

    public static Task Handle(RateLimits.RateLimiterRedisRecovered e, IDocumentSession session, ChainWriter writer, IMessageContext bus, CancellationToken ct) =>
        writer.AppendAsync(session, bus, new AuditEntry(e.EventId, e.OccurredAt, Actor.System,
            "ratelimit.redis_recovered", "node:" + e.Node, "success",
            Details(new { e.UnavailableSince, e.FailOpenDecisions, e.FailClosedDecisions }), e.TraceId), ct);

    private static string Details<T>(T value) => JsonSerializer.Serialize(value, DetailsJson);

    private static readonly JsonSerializerOptions DetailsJson = new(JsonSerializerDefaults.Web);
}
