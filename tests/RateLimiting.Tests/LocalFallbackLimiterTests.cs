using Microsoft.Extensions.Time.Testing;

namespace Platform.RateLimiting.Tests;

/// <summary>
/// The in-memory limiter that decides for fail-open policies while Redis is down (pure logic). Windows refill on real
/// time; which windows are dropped follows the limiter's clock, a fake one here.
/// </summary>
public sealed class LocalFallbackLimiterTests
{
    private static readonly RateLimit TwoPerTenthOfASecond = new(2, TimeSpan.FromMilliseconds(100));

    [Fact]
    public async Task A_window_refills_after_its_length_without_a_timer_of_its_own()
    {
        using var fallback = new LocalFallbackLimiter(replicaCount: 1, TimeProvider.System);
        var limits = Limits("key", TwoPerTenthOfASecond);
        Assert.True(fallback.Acquire(limits).IsAllowed);
        Assert.True(fallback.Acquire(limits).IsAllowed);
        Assert.False(fallback.Acquire(limits).IsAllowed);

        await Task.Delay(250, TestContext.Current.CancellationToken);

        Assert.True(fallback.Acquire(limits).IsAllowed);
    }

    [Fact]
    public void Windows_left_unused_for_longer_than_their_length_are_dropped()
    {
        var clock = new FakeTimeProvider();
        using var fallback = new LocalFallbackLimiter(replicaCount: 1, clock, sweepInterval: TimeSpan.Zero);
        for (var client = 0; client < 1_000; client++)
        {
            fallback.Acquire(Limits($"client-{client}", TwoPerTenthOfASecond));
        }

        Assert.Equal(1_000, fallback.TrackedCount);

        clock.Advance(TimeSpan.FromMilliseconds(250));
        fallback.Acquire(Limits("one-more", TwoPerTenthOfASecond));

        Assert.Equal(1, fallback.TrackedCount);
    }

    [Fact]
    public void A_window_still_in_use_keeps_its_count()
    {
        var clock = new FakeTimeProvider();
        using var fallback = new LocalFallbackLimiter(replicaCount: 1, clock, sweepInterval: TimeSpan.Zero);
        var minute = Limits("key", new RateLimit(1, TimeSpan.FromMinutes(1)));
        Assert.True(fallback.Acquire(minute).IsAllowed);
        clock.Advance(TimeSpan.FromSeconds(30));

        var again = fallback.Acquire(minute);

        Assert.False(again.IsAllowed);
        Assert.True(again.IsLocalFallback);
        Assert.Equal(1, fallback.TrackedCount);
    }

    private static (LimitKind, string, RateLimit)[] Limits(string key, RateLimit limit) => [(LimitKind.AuthFailures, key, limit)];
}
