using Microsoft.Extensions.Time.Testing;
using Platform.Provisioning;
using Platform.Testing;
using StackExchange.Redis;

namespace Platform.RateLimiting.Tests;

/// <summary>
/// Failure drills on a Redis of this class's own (the AppHost's <c>redis</c> resource alone, run from redis-server):
/// stopping the shared fixture's server would break tests running in parallel. Stop and start are the resource's
/// commands, as an operator would use them from the dashboard; the port stays, so clients reconnect on their own.
/// </summary>
public sealed class RedisFailureTests : IAsyncLifetime
{
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _clock = new();
    private AppHostRun? _server;
    private ConnectionMultiplexer? _redis;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _server = await AppHostRun.StartAsync(
            settings: new Dictionary<string, string?> { ["AppHost:Redis"] = DatastoreOptions.RedisServerBinary },
            keep: new HashSet<string> { PlatformDatastores.Redis },
            ct: ct);
        _redis = await TestRedis.ConnectAsync(await _server.ConnectionStringAsync(PlatformDatastores.Redis, ct));
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Fail_open_and_fail_closed_behave_as_configured_and_recover_after_restart()
    {
        var options = new RedisRateLimiterOptions { ReplicaCount = 2, FailuresToOpenCircuit = 2, CircuitCooldown = Cooldown };
        using var limiter = new RedisRateLimiter(_redis!, options, _clock);
        var tenant = TestRedis.NewTenant();
        var open = new RateLimitPolicy { PerKey = new RateLimit(6, TimeSpan.FromMinutes(1)), OnRedisFailure = RedisFailureMode.FailOpen };
        var closed = open with { OnRedisFailure = RedisFailureMode.FailClosed };
        var ct = TestContext.Current.CancellationToken;
        Assert.False((await limiter.AcquireAsync(TestRedis.Request(tenant, open), ct)).IsLocalFallback);

        await _server!.StopAsync(PlatformDatastores.Redis, ct);

        var unavailable = await limiter.AcquireAsync(TestRedis.Request(tenant, closed, key: "closed"), ct);
        Assert.Equal(RateLimitOutcome.Unavailable, unavailable.Outcome);
        Assert.Equal(options.UnavailableRetryAfter, unavailable.RetryAfter);

        // Fail-open: this replica admits its share, 6 / 2 replicas = 3, then denies locally.
        var local = new List<RateLimitDecision>();
        for (var i = 0; i < 4; i++)
        {
            local.Add(await limiter.AcquireAsync(TestRedis.Request(tenant, open), ct));
        }

        Assert.All(local, d => Assert.True(d.IsLocalFallback));
        Assert.Equal([true, true, true, false], local.Select(d => d.IsAllowed));

        await _server.StartAsync(PlatformDatastores.Redis, ct);
        await Poll.UntilAsync(async () => _redis!.IsConnected && await PingsAsync(), TimeSpan.FromSeconds(15), "Redis answers again", TimeSpan.FromMilliseconds(50));

        // The circuit is open: Redis is skipped until the cooldown has passed, even though it is back.
        Assert.True((await limiter.AcquireAsync(TestRedis.Request(tenant, closed, key: "closed"), ct)).Outcome == RateLimitOutcome.Unavailable);

        _clock.Advance(Cooldown);
        var resumed = await limiter.AcquireAsync(TestRedis.Request(tenant, closed, key: "closed"), ct);
        Assert.Equal(RateLimitOutcome.Allowed, resumed.Outcome);
        Assert.False(resumed.IsLocalFallback);
    }

    [Fact]
    public async Task An_outage_is_reported_once_per_failure_mode_and_once_on_recovery()
    {
        var changes = new List<RedisAvailabilityChange>();
        var options = new RedisRateLimiterOptions
        {
            FailuresToOpenCircuit = 2,
            CircuitCooldown = Cooldown,
            OnAvailabilityChange = change =>
            {
                lock (changes)
                {
                    changes.Add(change);
                }
            },
        };
        using var limiter = new RedisRateLimiter(_redis!, options, _clock);
        var tenant = TestRedis.NewTenant();
        var open = new RateLimitPolicy { PerKey = new RateLimit(100, TimeSpan.FromMinutes(1)), OnRedisFailure = RedisFailureMode.FailOpen };
        var closed = open with { OnRedisFailure = RedisFailureMode.FailClosed };
        var ct = TestContext.Current.CancellationToken;
        Assert.True((await limiter.AcquireAsync(TestRedis.Request(tenant, open), ct)).IsAllowed);
        Assert.Empty(changes);

        await _server!.StopAsync(PlatformDatastores.Redis, ct);
        // Many requests in both modes, before and after the circuit opens: still one report per mode.
        for (var i = 0; i < 5; i++)
        {
            Assert.True((await limiter.AcquireAsync(TestRedis.Request(tenant, open), ct)).IsLocalFallback);
            Assert.Equal(RateLimitOutcome.Unavailable, (await limiter.AcquireAsync(TestRedis.Request(tenant, closed), ct)).Outcome);
        }

        Assert.Collection(changes,
            c => Assert.Equal(RedisFailureMode.FailOpen, Assert.IsType<RedisUnavailable>(c).Mode),
            c => Assert.Equal(RedisFailureMode.FailClosed, Assert.IsType<RedisUnavailable>(c).Mode));
        Assert.All(changes, c => Assert.Equal("connection", ((RedisUnavailable)c).Cause));

        await _server.StartAsync(PlatformDatastores.Redis, ct);
        await Poll.UntilAsync(async () => _redis!.IsConnected && await PingsAsync(), TimeSpan.FromSeconds(15), "Redis answers again", TimeSpan.FromMilliseconds(50));
        _clock.Advance(Cooldown);
        Assert.False((await limiter.AcquireAsync(TestRedis.Request(tenant, open), ct)).IsLocalFallback);
        Assert.False((await limiter.AcquireAsync(TestRedis.Request(tenant, open), ct)).IsLocalFallback);

        Assert.Equal(3, changes.Count);
        var recovered = Assert.IsType<RedisRecovered>(changes[2]);
        Assert.Equal(5, recovered.FailOpenDecisions);
        Assert.Equal(5, recovered.FailClosedDecisions);
        Assert.Equal(((RedisUnavailable)changes[0]).Since, recovered.Since);
        Assert.Equal(_clock.GetUtcNow(), recovered.At);
    }

    [Fact]
    public async Task A_fail_open_concurrency_only_policy_admits_while_redis_is_down()
    {
        var options = new RedisRateLimiterOptions { FailuresToOpenCircuit = 1, CircuitCooldown = Cooldown };
        using var limiter = new RedisRateLimiter(_redis!, options, _clock);
        var policy = new RateLimitPolicy { ConcurrencyPerKey = new ConcurrencyLimit(1, TimeSpan.FromMinutes(1)) };
        var ct = TestContext.Current.CancellationToken;

        await _server!.StopAsync(PlatformDatastores.Redis, ct);
        var decision = await limiter.AcquireAsync(TestRedis.Request(TestRedis.NewTenant(), policy), ct);
        await _server.StartAsync(PlatformDatastores.Redis, ct);

        Assert.True(decision.IsAllowed);
        Assert.True(decision.IsLocalFallback);
        Assert.Null(decision.Lease);
    }

    private async Task<bool> PingsAsync()
    {
        try
        {
            await _redis!.GetDatabase().PingAsync();
            return true;
        }
        catch (RedisException)
        {
            return false;
        }
    }
}
