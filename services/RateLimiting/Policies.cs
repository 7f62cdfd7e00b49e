namespace Platform.RateLimiting;

/// <summary><paramref name="PermitLimit"/> requests per <paramref name="Window"/>, allowed as one burst (GCRA).</summary>
public sealed record RateLimit(int PermitLimit, TimeSpan Window)
{
    internal long WindowMilliseconds => (long)Window.TotalMilliseconds;

    internal void Validate(string name)
    {
        // The script spaces requests by window/limit microseconds; below one microsecond it would divide by zero.
        if (PermitLimit < 1 || WindowMilliseconds < 1 || PermitLimit > WindowMilliseconds * 1000)
        {
            throw new ArgumentOutOfRangeException(name, $"{name}: {PermitLimit} per {Window} is not a usable rate.");
        }
    }
}

/// <summary>At most <paramref name="MaxInFlight"/> calls per key; a lease counts for at most <paramref name="LeaseTimeout"/>.</summary>
public sealed record ConcurrencyLimit(int MaxInFlight, TimeSpan LeaseTimeout);

public enum RedisFailureMode
{
    /// <summary>A local in-memory limiter (limit divided by the replica count) decides while Redis is unreachable.</summary>
    FailOpen,

    /// <summary>Every request is answered <see cref="RateLimitOutcome.Unavailable"/> while Redis is unreachable.</summary>
    FailClosed,
}

/// <summary>The limits that apply to one request: the tenant's plan merged with the key's overrides by the caller.</summary>
public sealed record RateLimitPolicy
{
    public RateLimit? PerKey { get; init; }

    /// <summary>Shared by all keys of the tenant.</summary>
    public RateLimit? PerTenant { get; init; }

    /// <summary>Applies per key and tool; ignored for requests without a tool.</summary>
    public RateLimit? PerKeyAndTool { get; init; }

    public ConcurrencyLimit? ConcurrencyPerKey { get; init; }

    public RedisFailureMode OnRedisFailure { get; init; } = RedisFailureMode.FailOpen;
}

public sealed record RateLimitRequest(string TenantId, string KeyId, string? Tool, RateLimitPolicy Limits);

/// <summary>Which limit decided; names match the <c>limit</c> metric tag and the JSON-RPC error body.</summary>
public enum LimitKind
{
    None,
    Key,
    Tenant,
    KeyTool,
    Concurrency,
    AuthFailures,
}

public enum RateLimitOutcome
{
    Allowed,
    Denied,

    /// <summary>Redis is unreachable and the policy fails closed (HTTP 503 with Retry-After).</summary>
    Unavailable,
}
