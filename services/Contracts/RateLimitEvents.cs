using Wolverine.Attributes;

namespace Platform.Contracts.RateLimits;

/// <summary>Values of <see cref="RateLimiterRedisUnavailable.Mode"/>.</summary>
public static class RedisFailureModes
{
    /// <summary>A local in-memory limiter admitted requests (limit divided by the replica count).</summary>
    public const string FailOpen = "fail_open";

    /// <summary>Requests were refused with 503.</summary>
    public const string FailClosed = "fail_closed";
}

// Published by ToolExecution while it decides rate limits without Redis. One process sends at most one
// RateLimiterRedisUnavailable per mode per outage and one RateLimiterRedisRecovered when Redis answers again, so an
// outage is a few audit records, not one per request. Node names the process (host/pid) that saw the outage.

[MessageIdentity("platform.tool-execution.rate-limiter-redis-unavailable.v1")]
public sealed record RateLimiterRedisUnavailable(
    Guid EventId, string Node, string Mode, string Cause, DateTimeOffset UnavailableSince,
    DateTimeOffset OccurredAt, string? TraceId);

[MessageIdentity("platform.tool-execution.rate-limiter-redis-recovered.v1")]
public sealed record RateLimiterRedisRecovered(
    Guid EventId, string Node, DateTimeOffset UnavailableSince, long FailOpenDecisions, long FailClosedDecisions,
    DateTimeOffset OccurredAt, string? TraceId);
