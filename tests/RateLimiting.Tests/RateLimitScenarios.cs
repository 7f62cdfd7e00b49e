using StackExchange.Redis;
using Platform.Testing;

namespace Platform.RateLimiting.Tests;

/// <summary>The core behaviours, run against whichever server a subclass supplies (redis-server, garnet).</summary>
public abstract class RateLimitScenarios
{
    protected abstract IConnectionMultiplexer Redis { get; }

    [Fact]
    public async Task Exactly_N_of_64_concurrent_callers_are_admitted()
    {
        using var limiter = new RedisRateLimiter(Redis);
        var tenant = TestRedis.NewTenant();
        var policy = new RateLimitPolicy { PerKey = new RateLimit(10, TimeSpan.FromMinutes(1)) };

        var decisions = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ =>
            Task.Run(() => limiter.AcquireAsync(TestRedis.Request(tenant, policy), TestContext.Current.CancellationToken))));

        Assert.Equal(10, decisions.Count(d => d.IsAllowed));
        var denied = decisions.Where(d => !d.IsAllowed).ToList();
        Assert.All(denied, d => Assert.Equal(LimitKind.Key, d.Limit));
        // The next slot frees up one emission interval (60 s / 10) after the burst.
        Assert.All(denied, d => Assert.InRange(d.RetryAfter, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6)));
        Assert.All(decisions.Where(d => d.IsAllowed), d => Assert.False(d.IsLocalFallback));
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], decisions.Where(d => d.IsAllowed).Select(d => d.Remaining).Order());
    }

    [Fact]
    public async Task A_tenant_denial_consumes_nothing_from_the_key()
    {
        using var limiter = new RedisRateLimiter(Redis);
        var tenant = TestRedis.NewTenant();
        var tenantOnly = new RateLimitPolicy { PerTenant = new RateLimit(2, TimeSpan.FromMinutes(1)) };
        var both = tenantOnly with { PerKey = new RateLimit(3, TimeSpan.FromMinutes(1)) };
        var ct = TestContext.Current.CancellationToken;

        // Another key spends the tenant's whole budget.
        Assert.True((await limiter.AcquireAsync(TestRedis.Request(tenant, tenantOnly, key: "other"), ct)).IsAllowed);
        Assert.True((await limiter.AcquireAsync(TestRedis.Request(tenant, tenantOnly, key: "other"), ct)).IsAllowed);

        for (var i = 0; i < 5; i++)
        {
            var denied = await limiter.AcquireAsync(TestRedis.Request(tenant, both), ct);
            Assert.Equal(RateLimitOutcome.Denied, denied.Outcome);
            Assert.Equal(LimitKind.Tenant, denied.Limit);
        }

        // Had the denials spent the key's budget, the key would be exhausted too.
        var keyOnly = new RateLimitPolicy { PerKey = new RateLimit(3, TimeSpan.FromMinutes(1)) };
        var decisions = new List<RateLimitDecision>();
        for (var i = 0; i < 4; i++)
        {
            decisions.Add(await limiter.AcquireAsync(TestRedis.Request(tenant, keyOnly), ct));
        }

        Assert.Equal([true, true, true, false], decisions.Select(d => d.IsAllowed));
    }

    [Fact]
    public async Task The_most_restrictive_limit_is_reported()
    {
        using var limiter = new RedisRateLimiter(Redis);
        var tenant = TestRedis.NewTenant();
        var policy = new RateLimitPolicy
        {
            PerKey = new RateLimit(100, TimeSpan.FromMinutes(1)),
            PerTenant = new RateLimit(1000, TimeSpan.FromMinutes(1)),
            PerKeyAndTool = new RateLimit(5, TimeSpan.FromMinutes(1)),
        };

        var decision = await limiter.AcquireAsync(TestRedis.Request(tenant, policy, tool: "echo"), TestContext.Current.CancellationToken);

        Assert.True(decision.IsAllowed);
        Assert.Equal(LimitKind.KeyTool, decision.Limit);
        Assert.Equal(4, decision.Remaining);
        Assert.Equal(policy.PerKeyAndTool, decision.Policy);
        Assert.InRange(decision.Reset, TimeSpan.FromSeconds(11), TimeSpan.FromSeconds(13));
    }

    [Fact]
    public async Task Every_rate_limit_key_has_a_ttl()
    {
        using var limiter = new RedisRateLimiter(Redis);
        var tenant = TestRedis.NewTenant();
        var policy = new RateLimitPolicy
        {
            PerKey = new RateLimit(5, TimeSpan.FromMinutes(1)),
            PerTenant = new RateLimit(50, TimeSpan.FromMinutes(1)),
            PerKeyAndTool = new RateLimit(3, TimeSpan.FromMinutes(1)),
            ConcurrencyPerKey = new ConcurrencyLimit(2, TimeSpan.FromMinutes(1)),
        };
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 8; i++)
        {
            await limiter.AcquireAsync(TestRedis.Request(tenant, policy, tool: "echo"), ct);
        }

        var ip = "192.0.2." + Random.Shared.Next(1, 250);
        await limiter.RecordAuthFailureAsync(ip, new RateLimit(5, TimeSpan.FromMinutes(1)), cancellationToken: ct);

        await TestRedis.AssertAllKeysExpireAsync(Redis, $"rl:*{{t:{tenant}}}*");
        await TestRedis.AssertAllKeysExpireAsync(Redis, $"rl:*{{ip:{ip}}}*");
    }

    [Fact]
    public async Task A_flushed_script_cache_is_reloaded_transparently()
    {
        using var limiter = new RedisRateLimiter(Redis);
        var tenant = TestRedis.NewTenant();
        var policy = new RateLimitPolicy { PerKey = new RateLimit(3, TimeSpan.FromMinutes(1)) };
        var ct = TestContext.Current.CancellationToken;
        Assert.True((await limiter.AcquireAsync(TestRedis.Request(tenant, policy), ct)).IsAllowed);

        await Redis.GetDatabase().ExecuteAsync("SCRIPT", "FLUSH");

        var afterFlush = await limiter.AcquireAsync(TestRedis.Request(tenant, policy), ct);
        Assert.True(afterFlush.IsAllowed);
        Assert.False(afterFlush.IsLocalFallback);
        Assert.Equal(1, afterFlush.Remaining);
        // The fallback EVAL cached the script again, so later requests are back on EVALSHA.
        var exists = (RedisResult[])(await Redis.GetDatabase().ExecuteAsync("SCRIPT", "EXISTS", AcquireScriptSha1()))!;
        Assert.Equal(1, (int)exists[0]);
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "Redis names scripts by SHA-1.")]
    private static string AcquireScriptSha1()
    {
        using var stream = typeof(RedisRateLimiter).Assembly.GetManifestResourceStream("Platform.RateLimiting.Scripts.acquire.lua")!;
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(stream));
    }

    [Fact]
    public async Task Concurrency_leases_cap_in_flight_calls_and_expire_when_not_released()
    {
        using var limiter = new RedisRateLimiter(Redis);
        var tenant = TestRedis.NewTenant();
        var policy = new RateLimitPolicy { ConcurrencyPerKey = new ConcurrencyLimit(2, TimeSpan.FromMilliseconds(800)) };
        var ct = TestContext.Current.CancellationToken;

        var first = await limiter.AcquireAsync(TestRedis.Request(tenant, policy), ct);
        var second = await limiter.AcquireAsync(TestRedis.Request(tenant, policy), ct);
        var third = await limiter.AcquireAsync(TestRedis.Request(tenant, policy), ct);
        Assert.True(first.IsAllowed && second.IsAllowed);
        Assert.Equal(LimitKind.Concurrency, third.Limit);
        Assert.False(third.IsAllowed);
        Assert.InRange(third.RetryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(800));

        // Releasing frees a slot at once.
        await limiter.ReleaseAsync(first.Lease!);
        Assert.True((await limiter.AcquireAsync(TestRedis.Request(tenant, policy), ct)).IsAllowed);

        // The holders "die" without releasing; their leases expire.
        await Poll.UntilAsync(
            async () => (await limiter.AcquireAsync(TestRedis.Request(tenant, policy), ct)).IsAllowed,
            TimeSpan.FromSeconds(5), "the unreleased leases expired", TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task A_killed_process_leases_free_themselves_after_the_lease_timeout_by_redis_time()
    {
        var tenant = TestRedis.NewTenant();
        var timeout = TimeSpan.FromSeconds(3);
        var policy = new RateLimitPolicy { ConcurrencyPerKey = new ConcurrencyLimit(2, timeout) };
        var ct = TestContext.Current.CancellationToken;

        // The process that dies mid-call: its own connection, and a clock an hour off, which must not matter because
        // leases expire by Redis TIME. It takes every slot and never releases them.
        var dying = await TestRedis.ConnectAsync(Redis.Configuration);
        using (var doomed = new RedisRateLimiter(dying, time: new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1))))
        {
            Assert.True((await doomed.AcquireAsync(TestRedis.Request(tenant, policy), ct)).IsAllowed);
            Assert.True((await doomed.AcquireAsync(TestRedis.Request(tenant, policy), ct)).IsAllowed);
        }

        await dying.CloseAsync(allowCommandsToComplete: false);
        await dying.DisposeAsync();

        using var survivor = new RedisRateLimiter(Redis);
        var blocked = await survivor.AcquireAsync(TestRedis.Request(tenant, policy), ct);
        Assert.False(blocked.IsAllowed);
        Assert.Equal(LimitKind.Concurrency, blocked.Limit);
        Assert.InRange(blocked.RetryAfter, TimeSpan.FromMilliseconds(1), timeout);
        // The lease set itself expires with its last lease, so a dead process leaves nothing behind in Redis.
        var ttl = (long)await Redis.GetDatabase().ExecuteAsync("PTTL", RateLimitKeys.Concurrency(tenant, "k1"));
        Assert.InRange(ttl, 1, (long)timeout.TotalMilliseconds);

        await Poll.UntilAsync(
            async () => (await survivor.AcquireAsync(TestRedis.Request(tenant, policy), ct)).IsAllowed,
            timeout + TimeSpan.FromSeconds(5), "the killed process's leases expired", TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task Limits_hold_when_node_clocks_differ_because_only_redis_time_counts()
    {
        var skewed = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddSeconds(30));
        using var nodeA = new RedisRateLimiter(Redis, time: TimeProvider.System);
        using var nodeB = new RedisRateLimiter(Redis, time: skewed);
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
        // Both nodes agree on when the next slot frees up (one interval, 60 s / 4): a node clock 30 s ahead would have
        // admitted at once, or answered a Retry-After 30 s off.
        Assert.All(decisions.Skip(4), d => Assert.InRange(d.RetryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task Failed_authentication_blocks_an_ip_after_its_limit()
    {
        using var limiter = new RedisRateLimiter(Redis);
        var ip = "198.51.100." + Random.Shared.Next(1, 250) + "-" + Guid.NewGuid().ToString("N")[..6];
        var limit = new RateLimit(3, TimeSpan.FromMinutes(1));
        var ct = TestContext.Current.CancellationToken;

        for (var i = 0; i < 3; i++)
        {
            Assert.True((await limiter.CheckAuthFailuresAsync(ip, limit, cancellationToken: ct)).IsAllowed);
            Assert.True((await limiter.RecordAuthFailureAsync(ip, limit, cancellationToken: ct)).IsAllowed);
        }

        var blocked = await limiter.CheckAuthFailuresAsync(ip, limit, cancellationToken: ct);
        Assert.Equal(RateLimitOutcome.Denied, blocked.Outcome);
        Assert.Equal(LimitKind.AuthFailures, blocked.Limit);
        Assert.True(blocked.RetryAfter > TimeSpan.Zero);
    }
}

public sealed class RedisServerRateLimitTests(Platform.Testing.PlatformInfrastructure infrastructure) : RateLimitScenarios, IAsyncLifetime
{
    private ConnectionMultiplexer? _redis;

    protected override IConnectionMultiplexer Redis => _redis!;

    public async ValueTask InitializeAsync() => _redis = await TestRedis.ConnectAsync(infrastructure.RedisConnectionString);

    public async ValueTask DisposeAsync() => await _redis!.DisposeAsync();
}
