using StackExchange.Redis;

namespace Platform.RateLimiting.Tests;

internal static class TestRedis
{
    public static Task<ConnectionMultiplexer> ConnectAsync(string connectionString) =>
        ConnectionMultiplexer.ConnectAsync(ConfigurationOptions.Parse(connectionString).Apply(o =>
        {
            // Failure drills need fast failures: a stopped server fails at once (FailFast backlog), and connecting
            // gives up after 1 s. A live but slow server (garnet on a busy 2-core CI machine) gets 3 s, so a slow
            // answer is not mistaken for an outage and sent to the local fallback.
            o.AbortOnConnectFail = false;
            o.ConnectTimeout = 1000;
            o.SyncTimeout = 3000;
            o.AsyncTimeout = 3000;
            o.AllowAdmin = true;
            o.BacklogPolicy = BacklogPolicy.FailFast;
        }));

    public static string NewTenant() => "t" + Guid.NewGuid().ToString("N")[..12];

    public static RateLimitRequest Request(string tenant, RateLimitPolicy policy, string key = "k1", string? tool = null) =>
        new(tenant, key, tool, policy);

    /// <summary>Every rl:* key of <paramref name="tenant"/> carries a TTL.</summary>
    public static async Task AssertAllKeysExpireAsync(IConnectionMultiplexer redis, string pattern)
    {
        var server = redis.GetServers()[0];
        var db = redis.GetDatabase();
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: pattern))
        {
            keys.Add(key);
        }

        Assert.NotEmpty(keys);
        foreach (var key in keys)
        {
            var ttl = (long)await db.ExecuteAsync("PTTL", key);
            Assert.True(ttl > 0, $"{key} has PTTL {ttl}");
        }
    }
}
