using System.Threading.RateLimiting;
using StackExchange.Redis;
using Platform.Testing;

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

        await Poll.UntilAsync(async () =>
        {
            using var lease = await limiter.AcquireAsync(request, cancellationToken: ct);
            return lease.IsAcquired;
        }, TimeSpan.FromSeconds(5), "the released lease is acquired again", TimeSpan.FromMilliseconds(50));
    }
}
