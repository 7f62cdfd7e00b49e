using Platform.RateLimiting;

namespace Platform.ToolExecution.RateLimits;

/// <summary>Bound from <c>RateLimits</c>; read live, so a change applies without a restart.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>What tool calls do while Redis is unreachable.</summary>
    public RedisFailureMode OnRedisFailure { get; set; } = RedisFailureMode.FailOpen;

    /// <summary>Replicas sharing the limits; the fail-open local limiter allows limit / replicas.</summary>
    public int ReplicaCount { get; set; } = 1;

    /// <summary>Failed authentications per client IP per minute before further attempts get 429.</summary>
    public int AuthFailuresPerMinutePerIp { get; set; } = 30;

    /// <summary>What failed-authentication counting does while Redis is unreachable.</summary>
    public RedisFailureMode AuthFailuresOnRedisFailure { get; set; } = RedisFailureMode.FailOpen;
}
