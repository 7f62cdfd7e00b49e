using System.Diagnostics;

namespace Platform.Bench.Measurement;

public sealed record LoadResult(long Completed, long Errors, double Seconds, LatencyRecorder Latency)
{
    public double PerSecond => (Completed - Errors) / Seconds;
}

/// <summary>Drives an operation that returns whether it succeeded; every loop is bounded by count and by time.</summary>
public static class Load
{
    private const int MaxSamples = 2_000_000;

    /// <summary><paramref name="concurrency"/> workers, each starting the next operation as soon as its last one ends.</summary>
    public static async Task<LoadResult> ClosedLoopAsync(int concurrency, TimeSpan duration, long maxOperations, Func<ValueTask<bool>> operation)
    {
        var latency = new LatencyRecorder(MaxSamples);
        long started = 0, errors = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration && Interlocked.Increment(ref started) <= maxOperations)
            {
                var begin = Stopwatch.GetTimestamp();
                var ok = await RunAsync(operation).ConfigureAwait(false);
                latency.Record(Stopwatch.GetTimestamp() - begin);
                if (!ok)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        return new LoadResult(latency.Count, errors, clock.Elapsed.TotalSeconds, latency);
    }

    /// <summary>
    /// Open loop at a fixed offered rate. Latency counts from the moment a call was due, not when it was sent, so a
    /// stalled server is not hidden by a stalled generator (coordinated omission). Calls due while
    /// <paramref name="maxInFlight"/> are outstanding are not sent and count as errors.
    /// </summary>
    public static async Task<LoadResult> FixedRateAsync(double perSecond, TimeSpan duration, int maxInFlight, Func<ValueTask<bool>> operation)
    {
        var latency = new LatencyRecorder(MaxSamples);
        long errors = 0, shed = 0;
        var inFlight = 0;
        var total = (long)(perSecond * duration.TotalSeconds);
        var interval = Stopwatch.Frequency / perSecond;
        var pending = new List<Task>((int)Math.Min(total, MaxSamples));
        var start = Stopwatch.GetTimestamp();
        for (long i = 0; i < total;)
        {
            var now = Stopwatch.GetTimestamp();
            while (i < total && start + (long)(i * interval) <= now)
            {
                var due = start + (long)(i * interval);
                i++;
                if (Volatile.Read(ref inFlight) >= maxInFlight)
                {
                    shed++;
                    continue;
                }

                Interlocked.Increment(ref inFlight);
                pending.Add(Task.Run(async () =>
                {
                    var ok = await RunAsync(operation).ConfigureAwait(false);
                    latency.Record(Stopwatch.GetTimestamp() - due);
                    Interlocked.Decrement(ref inFlight);
                    if (!ok)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }));
            }

            // Linux timers tick at about 1 ms, so a due call waits at most that long to be sent.
            await Task.Delay(1).ConfigureAwait(false);
        }

        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new LoadResult(latency.Count + shed, errors + shed, seconds, latency);
    }

    private static async ValueTask<bool> RunAsync(Func<ValueTask<bool>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
        catch (StackExchange.Redis.RedisException)
        {
            return false;
        }
    }
}
