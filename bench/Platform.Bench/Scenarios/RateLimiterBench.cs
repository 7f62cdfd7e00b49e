using System.Globalization;
using Platform.Bench.Measurement;
using Platform.RateLimiting;
using StackExchange.Redis;

namespace Platform.Bench.Scenarios;

/// <summary>
/// Issue 5: one <see cref="RedisRateLimiter.AcquireAsync"/> with every limit (key, tenant, key+tool, concurrency)
/// against the baseline of the same four limits as separate commands, one round trip per limit
/// (INCR + PEXPIRE in a MULTI for each counter, INCR/DECR for the in-flight counter).
/// </summary>
public sealed class RateLimiterBench(string redisConnectionString, string flavor, BenchSettings settings)
{
    private const int Concurrency = 32;
    private static readonly RateLimit Huge = new(1_000_000, TimeSpan.FromMinutes(1));

    private static readonly RateLimitPolicy AllLimits = new()
    {
        PerKey = Huge,
        PerTenant = Huge,
        PerKeyAndTool = Huge,
        ConcurrencyPerKey = new ConcurrencyLimit(1_000_000, TimeSpan.FromSeconds(30)),
    };

    private const string ChecksPerSecond = "checks/s (AcquireAsync, all limits), 32 concurrent callers, one process";

    // GCRA keys live only until their theoretical arrival time, which for the huge limits above is 1 ms away; the
    // memory figure needs keys that stay, so it uses an hour-long window (a key's size does not depend on the limit).
    private static readonly RateLimit Hourly = new(100, TimeSpan.FromHours(1));

    private static readonly RateLimitPolicy LastingLimits = new()
    {
        PerKey = Hourly,
        PerTenant = Hourly,
        PerKeyAndTool = Hourly,
        ConcurrencyPerKey = new ConcurrencyLimit(100, TimeSpan.FromMinutes(5)),
    };

    private string Scenario => $"Rate limiter ({flavor})";

    public async Task RunAsync(Results results, int run)
    {
        results.Notes[Scenario] =
            "Ours: `RedisRateLimiter.AcquireAsync` with per-key, per-tenant and per-key+tool limits plus the per-key "
            + "concurrency lease, all in one EVALSHA round trip that checks and consumes every limit atomically (GCRA; a "
            + "request denied by one limit consumes none). Baseline: the same four limits as separate commands, one round "
            + "trip each (MULTI{INCR, PEXPIRE NX} per counter, INCR of an in-flight counter). Why ours is better: one round "
            + "trip instead of four (lower latency and more checks/s from the same connection), no partial consumption when "
            + "one limit denies, no fixed-window edge bursts of up to twice the limit, and leases that expire when a holder "
            + "dies instead of a counter that leaks. The price is memory: a GCRA key holds a microsecond timestamp and the "
            + "lease set is a sorted set, larger than a small INCR counter. Single-caller latency times the check alone; "
            + "the 32-caller figures include client-side queueing on one multiplexed connection. Memory: used_memory "
            + "before/after 10,000 API keys each with all limits active (hour-long windows so the keys stay), divided by "
            + "API keys and by DBSIZE.";
        var options = ConfigurationOptions.Parse(redisConnectionString);
        options.AllowAdmin = true;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        using var limiter = new RedisRateLimiter(redis);
        var db = redis.GetDatabase();
        await db.ExecuteAsync("FLUSHALL").ConfigureAwait(false);

        var tenant = $"bench-{run}";
        var request = new RateLimitRequest(tenant, "key-1", "echo", AllLimits);
        async ValueTask<bool> Ours()
        {
            var decision = await limiter.AcquireAsync(request).ConfigureAwait(false);
            if (decision.Lease is { } lease)
            {
                await limiter.ReleaseAsync(lease).ConfigureAwait(false);
            }

            return decision.IsAllowed;
        }

        var baselineKeys = new RedisKey[] { $"base:{tenant}:key", $"base:{tenant}:tenant", $"base:{tenant}:key:echo" };
        RedisKey inFlight = $"base:{tenant}:inflight";
        async ValueTask<bool> Separate()
        {
            var allowed = await SeparateCheckOnly().ConfigureAwait(false);
            await db.StringDecrementAsync(inFlight).ConfigureAwait(false);
            return allowed;
        }

        // The check alone is timed for latency; the lease release is the caller's later, separate round trip.
        async ValueTask<bool> OursCheckOnly()
        {
            var decision = await limiter.AcquireAsync(request).ConfigureAwait(false);
            return decision.IsAllowed;
        }

        async ValueTask<bool> SeparateCheckOnly()
        {
            var allowed = true;
            foreach (var key in baselineKeys)
            {
                var transaction = db.CreateTransaction();
                var count = transaction.StringIncrementAsync(key);
                _ = transaction.KeyExpireAsync(key, TimeSpan.FromMinutes(1), ExpireWhen.HasNoExpiry);
                await transaction.ExecuteAsync().ConfigureAwait(false);
                allowed &= await count.ConfigureAwait(false) <= Huge.PermitLimit;
            }

            allowed &= await db.StringIncrementAsync(inFlight).ConfigureAwait(false) <= 1_000_000;
            return allowed;
        }

        // Warm up the script cache, the connection and the JIT for both paths.
        await Load.ClosedLoopAsync(4, TimeSpan.FromSeconds(1), 5_000, Ours).ConfigureAwait(false);
        await Load.ClosedLoopAsync(4, TimeSpan.FromSeconds(1), 5_000, Separate).ConfigureAwait(false);

        var oursLatency = await Load.ClosedLoopAsync(1, settings.ShortPhase, 20_000, OursCheckOnly).ConfigureAwait(false);
        var baseLatency = await Load.ClosedLoopAsync(1, settings.ShortPhase, 20_000, SeparateCheckOnly).ConfigureAwait(false);
        results.Comparison(Scenario, "check latency p50, one caller", "ms", "separate commands per limit", Better.Lower)
            .Add(oursLatency.Latency.PercentileMs(50), baseLatency.Latency.PercentileMs(50));
        results.Comparison(Scenario, "check latency p99, one caller", "ms", "separate commands per limit", Better.Lower)
            .Add(oursLatency.Latency.PercentileMs(99), baseLatency.Latency.PercentileMs(99));

        var oursChecks = await Load.ClosedLoopAsync(Concurrency, settings.LoadPhase, 2_000_000, OursCheckOnly).ConfigureAwait(false);
        var baseChecks = await Load.ClosedLoopAsync(Concurrency, settings.LoadPhase, 2_000_000, SeparateCheckOnly).ConfigureAwait(false);
        results.Comparison(Scenario, ChecksPerSecond, "checks/s", "separate commands per limit", Better.Higher)
            .Add(oursChecks.PerSecond, baseChecks.PerSecond);

        var oursLoad = await Load.ClosedLoopAsync(Concurrency, settings.LoadPhase, 2_000_000, Ours).ConfigureAwait(false);
        var baseLoad = await Load.ClosedLoopAsync(Concurrency, settings.LoadPhase, 2_000_000, Separate).ConfigureAwait(false);
        results.Comparison(Scenario, $"acquire + release pairs/s, {Concurrency} concurrent callers", "pairs/s", "separate commands per limit", Better.Higher)
            .Add(oursLoad.PerSecond, baseLoad.PerSecond);
        results.Comparison(Scenario, $"check latency p99 under {Concurrency} concurrent callers", "ms", "separate commands per limit", Better.Lower)
            .Add(oursLoad.Latency.PercentileMs(99), baseLoad.Latency.PercentileMs(99));
        results.AddSingle(Scenario, "denied or failed checks, ours", "checks", oursChecks.Errors + oursLoad.Errors);
        results.AddSingle(Scenario, "denied or failed checks, baseline", "checks", baseChecks.Errors + baseLoad.Errors);

        try
        {
            await MeasureMemoryAsync(results, db, limiter).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or RedisException)
        {
            if (run == 1)
            {
                results.Facts.Add((Scenario, "memory per key", $"not measured: {e.Message}"));
            }
        }
    }

    /// <summary>used_memory growth over N distinct API keys, each with all limits active (4 Redis keys per API key).</summary>
    private async Task MeasureMemoryAsync(Results results, IDatabase db, RedisRateLimiter limiter)
    {
        const int ApiKeys = 10_000;
        await db.ExecuteAsync("FLUSHALL").ConfigureAwait(false);
        var before = await UsedMemoryAsync(db).ConfigureAwait(false);
        var next = 0;
        await Load.ClosedLoopAsync(Concurrency, TimeSpan.FromSeconds(60), ApiKeys, async () =>
        {
            var id = Interlocked.Increment(ref next);
            var decision = await limiter.AcquireAsync(new RateLimitRequest($"mem-{id % 100}", $"key-{id}", "echo", LastingLimits)).ConfigureAwait(false);
            return decision.IsAllowed;
        }).ConfigureAwait(false);
        var ours = (await UsedMemoryAsync(db).ConfigureAwait(false)) - before;
        var oursKeys = (long)(await db.ExecuteAsync("DBSIZE").ConfigureAwait(false));

        await db.ExecuteAsync("FLUSHALL").ConfigureAwait(false);
        before = await UsedMemoryAsync(db).ConfigureAwait(false);
        next = 0;
        await Load.ClosedLoopAsync(Concurrency, TimeSpan.FromSeconds(60), ApiKeys, async () =>
        {
            var id = Interlocked.Increment(ref next);
            RedisKey[] keys = [$"base:mem-{id % 100}:key-{id}", $"base:mem-{id % 100}:tenant", $"base:mem-{id % 100}:key-{id}:echo", $"base:mem-{id % 100}:key-{id}:inflight"];
            foreach (var key in keys)
            {
                var transaction = db.CreateTransaction();
                _ = transaction.StringIncrementAsync(key);
                _ = transaction.KeyExpireAsync(key, TimeSpan.FromHours(1), ExpireWhen.HasNoExpiry);
                await transaction.ExecuteAsync().ConfigureAwait(false);
            }

            return true;
        }).ConfigureAwait(false);
        var baseline = (await UsedMemoryAsync(db).ConfigureAwait(false)) - before;
        var baselineKeys = (long)(await db.ExecuteAsync("DBSIZE").ConfigureAwait(false));
        await db.ExecuteAsync("FLUSHALL").ConfigureAwait(false);

        results.Comparison(Scenario, $"memory per active API key (key, key+tool, concurrency; tenant shared by 100 keys; {ApiKeys:N0} keys)", "bytes", "INCR counters per limit", Better.Lower)
            .Add((double)ours / ApiKeys, (double)baseline / ApiKeys);
        results.Comparison(Scenario, "memory per Redis key", "bytes", "INCR counters per limit", Better.Lower)
            .Add((double)ours / Math.Max(1, oursKeys), (double)baseline / Math.Max(1, baselineKeys));
    }

    private static async Task<long> UsedMemoryAsync(IDatabase db)
    {
        var info = (string)(await db.ExecuteAsync("INFO", "memory").ConfigureAwait(false))!;
        foreach (var line in info.Split('\n'))
        {
            if (line.StartsWith("used_memory:", StringComparison.Ordinal))
            {
                return long.Parse(line["used_memory:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("INFO memory has no used_memory line.");
    }

    public static void Judge(Results results, string flavor)
    {
        var scenario = $"Rate limiter ({flavor})";
        if (results.Find(scenario, "check latency p99, one caller") is { } p99)
        {
            var median = Stats.Median(p99.Subject);
            results.Targets.Add(new("5", $"one check with all limits, p99 ≤ 1 ms ({flavor})", $"{median:F3} ms", median <= 1));
        }

        if (results.Find(scenario, ChecksPerSecond) is { } rate)
        {
            var median = Stats.Median(rate.Subject);
            results.Targets.Add(new("5", $"≥ 10,000 checks/s from one process ({flavor})", $"{median:N0} checks/s", median >= 10_000));
        }

        if (results.Find(scenario, "memory per Redis key") is { } memory)
        {
            results.Targets.Add(new("5", $"report Redis memory per active key ({flavor})", $"{Stats.Median(memory.Subject):N0} bytes per Redis key", null));
        }
    }
}
