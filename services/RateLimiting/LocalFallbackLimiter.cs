using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Platform.RateLimiting;

/// <summary>
/// Decides for fail-open policies while Redis is unreachable. Each replica allows its share of each limit
/// (limit / replica count), so the fleet as a whole stays near the configured limit.
/// </summary>
/// <remarks>
/// Windows are replenished when they are used, not by a timer each, and a window left unused for longer than its
/// length is dropped: it is back to its full budget, so no decision changes, and an outage's flood of distinct
/// clients (failed authentications from ever new networks) cannot grow the table, or its timers, without end.
/// </remarks>
internal sealed class LocalFallbackLimiter(int replicaCount, TimeProvider time, TimeSpan? sweepInterval = null) : IDisposable
{
    private static readonly TimeSpan DefaultSweepInterval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<(string Key, RateLimit Limit), Window> _windows = new();
    private readonly TimeSpan _sweepInterval = sweepInterval ?? DefaultSweepInterval;
    private long _nextSweep;

    /// <summary>How many limits the fallback holds state for (tests).</summary>
    internal int TrackedCount => _windows.Count;

    public RateLimitDecision Acquire(IReadOnlyList<(LimitKind Kind, string Key, RateLimit Limit)> limits)
    {
        DropIdleWindows();
        var chosen = limits.Select(l => (l.Kind, l.Limit, Limiter: Use(l.Key, l.Limit))).ToList();

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
        foreach (var window in _windows.Values)
        {
            window.Limiter.Dispose();
        }
    }

    private FixedWindowRateLimiter Use(string key, RateLimit limit)
    {
        var window = _windows.GetOrAdd((key, limit), Create);
        Volatile.Write(ref window.LastUsed, time.GetTimestamp());
        window.Limiter.TryReplenish();
        return window.Limiter;
    }

    private void DropIdleWindows()
    {
        var now = time.GetTimestamp();
        var due = Interlocked.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + (long)(_sweepInterval.TotalSeconds * time.TimestampFrequency), due) != due)
        {
            return;
        }

        foreach (var (key, window) in _windows)
        {
            if (time.GetElapsedTime(Volatile.Read(ref window.LastUsed), now) > key.Limit.Window)
            {
                // A caller that fetched this window a moment ago still counts against it; the next one starts afresh.
                // The fallback only has to be approximately right.
                _windows.TryRemove(new KeyValuePair<(string, RateLimit), Window>(key, window));
            }
        }
    }

    private Window Create((string Key, RateLimit Limit) entry) => new(new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
    {
        PermitLimit = Math.Max(1, entry.Limit.PermitLimit / Math.Max(1, replicaCount)),
        Window = entry.Limit.Window,
        QueueLimit = 0,
        AutoReplenishment = false,
    }));

    private sealed class Window(FixedWindowRateLimiter limiter)
    {
        public long LastUsed;

        public FixedWindowRateLimiter Limiter { get; } = limiter;
    }
}
