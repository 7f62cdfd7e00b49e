using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Platform.RateLimiting;

/// <summary>
/// Decides for fail-open policies while Redis is unreachable. Each replica allows its share of each limit
/// (limit / replica count), so the fleet as a whole stays near the configured limit.
/// </summary>
internal sealed class LocalFallbackLimiter(int replicaCount) : IDisposable
{
    private readonly ConcurrentDictionary<(string Key, RateLimit Limit), FixedWindowRateLimiter> _limiters = new();

    public RateLimitDecision Acquire(IReadOnlyList<(LimitKind Kind, string Key, RateLimit Limit)> limits)
    {
        var chosen = limits.Select(l => (l.Kind, l.Limit, Limiter: _limiters.GetOrAdd((l.Key, l.Limit), Create))).ToList();

        // Check before consuming, so a denial by one limit does not spend the others (as in the Redis script).
        // Two threads may both pass the check; the fallback only has to be approximately right.
        var denied = chosen.FirstOrDefault(c => c.Limiter.GetStatistics()?.CurrentAvailablePermits < 1);
        if (denied.Limiter is not null)
        {
            return new RateLimitDecision(RateLimitOutcome.Denied, denied.Kind, denied.Limit.Window, 0, denied.Limit.Window)
            {
                IsLocalFallback = true,
                Policy = denied.Limit,
            };
        }

        foreach (var c in chosen)
        {
            using var lease = c.Limiter.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                return new RateLimitDecision(RateLimitOutcome.Denied, c.Kind, c.Limit.Window, 0, c.Limit.Window)
                {
                    IsLocalFallback = true,
                    Policy = c.Limit,
                };
            }
        }

        var tightest = chosen.OrderBy(c => c.Limiter.GetStatistics()?.CurrentAvailablePermits ?? 0).FirstOrDefault();
        return new RateLimitDecision(
            RateLimitOutcome.Allowed,
            tightest.Limiter is null ? LimitKind.None : tightest.Kind,
            TimeSpan.Zero,
            tightest.Limiter?.GetStatistics()?.CurrentAvailablePermits ?? 0,
            tightest.Limit?.Window ?? TimeSpan.Zero)
        {
            IsLocalFallback = true,
            Policy = tightest.Limit,
        };
    }

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }

    private FixedWindowRateLimiter Create((string Key, RateLimit Limit) entry) => new(new FixedWindowRateLimiterOptions
    {
        PermitLimit = Math.Max(1, entry.Limit.PermitLimit / Math.Max(1, replicaCount)),
        Window = entry.Limit.Window,
        QueueLimit = 0,
        AutoReplenishment = true,
    });
}
