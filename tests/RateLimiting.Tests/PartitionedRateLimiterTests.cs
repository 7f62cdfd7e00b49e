using System.Threading.RateLimiting;
using StackExchange.Redis;

namespace Platform.RateLimiting.Tests;

public sealed class PartitionedRateLimiterTests(Platform.Testing.PlatformInfrastructure infrastructure) : IAsyncLifetime
{
    private ConnectionMultiplexer? _redis;

    public async ValueTask InitializeAsync() => _redis = await TestRedis.ConnectAsync(infrastructure.RedisConnectionString);

    public async ValueTask DisposeAsync() => await _redis!.DisposeAsync();

    [Fact]
    public async Task A_denied_lease_carries_retry_after_and_the_limit_that_was_hit()
    {
        using var redisLimiter = new RedisRateLimiter(_redis!);
        using var limiter = new RedisPartitionedRateLimiter(redisLimiter);
        var request = TestRedis.Request(TestRedis.NewTenant(), new RateLimitPolicy { PerKey = new RateLimit(1, TimeSpan.FromMinutes(1)) });
        var ct = TestContext.Current.CancellationToken;

        using var first = await limiter.AcquireAsync(request, cancellationToken: ct);
        using var second = await limiter.AcquireAsync(request, cancellationToken: ct);

        Assert.True(first.IsAcquired);
        Assert.False(second.IsAcquired);
        Assert.True(second.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(60));
        Assert.True(second.TryGetMetadata(RedisPartitionedRateLimiter.LimitMetadataName, out var limit));
        Assert.Equal(LimitKind.Key, limit);
    }

    [Fact]
    public async Task Disposing_a_lease_releases_its_concurrency_slot()
    {
        using var redisLimiter = new RedisRateLimiter(_redis!);
        using var limiter = new RedisPartitionedRateLimiter(redisLimiter);
        var request = TestRedis.Request(TestRedis.NewTenant(), new RateLimitPolicy { ConcurrencyPerKey = new ConcurrencyLimit(1, TimeSpan.FromMinutes(1)) });
        var ct = TestContext.Current.CancellationToken;

        var held = await limiter.AcquireAsync(request, cancellationToken: ct);
        Assert.True(held.IsAcquired);
        using (var blocked = await limiter.AcquireAsync(request, cancellationToken: ct))
        {
            Assert.False(blocked.IsAcquired);
        }

        held.Dispose();

        await TestRedis.WaitUntilAsync(async () =>
        {
            using var lease = await limiter.AcquireAsync(request, cancellationToken: ct);
            return lease.IsAcquired;
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Limits_hold_when_node_clocks_differ_because_only_redis_time_counts()
    {
        var skewed = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddSeconds(30));
        using var nodeA = new RedisRateLimiter(_redis!, time: TimeProvider.System);
        using var nodeB = new RedisRateLimiter(_redis!, time: skewed);
        var request = TestRedis.Request(TestRedis.NewTenant(), new RateLimitPolicy { PerKey = new RateLimit(4, TimeSpan.FromMinutes(1)) });
        var ct = TestContext.Current.CancellationToken;

        var decisions = new List<RateLimitDecision>();
        for (var i = 0; i < 4; i++)
        {
            decisions.Add(await (i % 2 == 0 ? nodeA : nodeB).AcquireAsync(request, ct));
        }

        decisions.Add(await nodeB.AcquireAsync(request, ct));
        decisions.Add(await nodeA.AcquireAsync(request, ct));
        Assert.Equal([true, true, true, true, false, false], decisions.Select(d => d.IsAllowed));
    }
}
