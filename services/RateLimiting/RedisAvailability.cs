namespace Platform.RateLimiting;

/// <summary>
/// A change in whether this process decides with Redis, reported through
/// <see cref="RedisRateLimiterOptions.OnAvailabilityChange"/>. An outage yields at most one
/// <see cref="RedisUnavailable"/> per failure mode and one <see cref="RedisRecovered"/>, however many requests it
/// affects, so an operator's audit trail shows when limits stopped being distributed and when they were again.
/// </summary>
public abstract record RedisAvailabilityChange(DateTimeOffset At);

/// <summary>
/// The first request of an outage that was decided under <paramref name="Mode"/> without Redis: admitted by the local
/// fallback (fail-open) or refused as unavailable (fail-closed). <paramref name="Cause"/> is a category
/// (<c>connection</c>, <c>timeout</c>, <c>loading</c>, <c>disposed</c>), never a server message.
/// </summary>
public sealed record RedisUnavailable(RedisFailureMode Mode, string Cause, DateTimeOffset Since, DateTimeOffset At) : RedisAvailabilityChange(At);

/// <summary>Redis decided again after an outage that began at <paramref name="Since"/>; the counts are the requests decided without it.</summary>
public sealed record RedisRecovered(DateTimeOffset Since, long FailOpenDecisions, long FailClosedDecisions, DateTimeOffset At) : RedisAvailabilityChange(At);

/// <summary>Turns per-request outcomes into outage transitions: one report per mode per outage, one on recovery.</summary>
internal sealed class OutageTracker(TimeProvider time, Action<RedisAvailabilityChange>? report)
{
    private readonly Lock _gate = new();
    private volatile bool _inOutage;
    private DateTimeOffset _since;
    private string _cause = "";
    private long _failOpen;
    private long _failClosed;

    public void DecidedWithoutRedis(RedisFailureMode mode, string cause)
    {
        lock (_gate)
        {
            if (!_inOutage)
            {
                _inOutage = true;
                _since = time.GetUtcNow();
                _cause = cause;
                _failOpen = 0;
                _failClosed = 0;
            }

            var first = mode == RedisFailureMode.FailOpen ? ++_failOpen == 1 : ++_failClosed == 1;
            if (first)
            {
                // Reported under the lock so that a recovery is never delivered before the outage it ends.
                report?.Invoke(new RedisUnavailable(mode, _cause, _since, time.GetUtcNow()));
            }
        }
    }

    public void DecidedWithRedis()
    {
        // The hot path: one volatile read while Redis is healthy.
        if (!_inOutage)
        {
            return;
        }

        lock (_gate)
        {
            if (_inOutage)
            {
                _inOutage = false;
                report?.Invoke(new RedisRecovered(_since, _failOpen, _failClosed, time.GetUtcNow()));
            }
        }
    }
}
