namespace Platform.RateLimiting;

/// <summary>Stops every request from waiting on a dead Redis: after N consecutive failures, skip it for a cooldown.</summary>
internal sealed class CircuitBreaker(int failuresToOpen, TimeSpan cooldown, TimeProvider time)
{
    private readonly Lock _gate = new();
    private int _consecutiveFailures;
    private long _openUntil;

    public bool AllowsRequest
    {
        get
        {
            lock (_gate)
            {
                // After the cooldown, requests go through again; one more failure re-opens at once.
                return _consecutiveFailures < failuresToOpen || time.GetTimestamp() >= _openUntil;
            }
        }
    }

    public void RecordSuccess()
    {
        lock (_gate)
        {
            _consecutiveFailures = 0;
        }
    }

    public void RecordFailure()
    {
        lock (_gate)
        {
            _consecutiveFailures++;
            if (_consecutiveFailures >= failuresToOpen)
            {
                _openUntil = time.GetTimestamp() + (long)(cooldown.TotalSeconds * time.TimestampFrequency);
            }
        }
    }
}
