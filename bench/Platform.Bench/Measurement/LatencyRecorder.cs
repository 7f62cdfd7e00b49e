using System.Diagnostics;

namespace Platform.Bench.Measurement;

/// <summary>
/// Raw latencies in Stopwatch ticks, kept whole so percentiles are exact; a fixed capacity bounds memory,
/// and samples past it are counted but not kept.
/// </summary>
public sealed class LatencyRecorder(int capacity)
{
    private readonly long[] _ticks = new long[capacity];
    private int _count;

    public int Count => Math.Min(Volatile.Read(ref _count), _ticks.Length);

    public void Record(long elapsedTicks)
    {
        var slot = Interlocked.Increment(ref _count) - 1;
        if (slot < _ticks.Length)
        {
            _ticks[slot] = elapsedTicks;
        }
    }

    /// <summary>The <paramref name="percentile"/> (0-100) in milliseconds, nearest-rank.</summary>
    public double PercentileMs(double percentile)
    {
        var count = Count;
        if (count == 0)
        {
            return double.NaN;
        }

        var sorted = _ticks.AsSpan(0, count).ToArray();
        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(percentile / 100 * count) - 1;
        return sorted[Math.Clamp(rank, 0, count - 1)] * 1000.0 / Stopwatch.Frequency;
    }
}
