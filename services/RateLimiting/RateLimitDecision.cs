namespace Platform.RateLimiting;

/// <summary>
/// The answer for one request. When allowed, <see cref="Limit"/>, <see cref="Remaining"/> and <see cref="Reset"/>
/// describe the most restrictive limit (for the <c>RateLimit</c> header); when denied, the limit that frees up last.
/// </summary>
public sealed record RateLimitDecision(
    RateLimitOutcome Outcome,
    LimitKind Limit,
    TimeSpan RetryAfter,
    long Remaining,
    TimeSpan Reset)
{
    public bool IsAllowed => Outcome == RateLimitOutcome.Allowed;

    /// <summary>The lease to release when the call ends, when a concurrency limit applied.</summary>
    public ConcurrencyLease? Lease { get; init; }

    /// <summary>True when Redis was unreachable and the local fallback limiter decided.</summary>
    public bool IsLocalFallback { get; init; }

    /// <summary>The <c>N;w=S</c> part of the IETF <c>RateLimit-Policy</c> header for <see cref="Limit"/>, when it is a rate.</summary>
    public RateLimit? Policy { get; init; }
}

/// <summary>A held slot of a per-key concurrency limit; pass it to <see cref="RedisRateLimiter.ReleaseAsync"/>.</summary>
public sealed record ConcurrencyLease(string RedisKey, string LeaseId);
