namespace Platform.RateLimiting;

public sealed class RedisRateLimiterOptions
{
    /// <summary>Replicas sharing one Redis; a fail-open local limiter allows limit / replicas so the fleet stays near the limit.</summary>
    public int ReplicaCount { get; init; } = 1;

    /// <summary>Consecutive Redis failures that open the circuit.</summary>
    public int FailuresToOpenCircuit { get; init; } = 3;

    /// <summary>How long an open circuit skips Redis before one request probes it again.</summary>
    public TimeSpan CircuitCooldown { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Retry-After given with <see cref="RateLimitOutcome.Unavailable"/>.</summary>
    public TimeSpan UnavailableRetryAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Called on the request's thread when an outage begins for a failure mode and when Redis answers again (see
    /// <see cref="RedisAvailabilityChange"/>). Must return at once and not throw: hand the change to a queue.
    /// </summary>
    public Action<RedisAvailabilityChange>? OnAvailabilityChange { get; init; }
}
