using StackExchange.Redis;

namespace Platform.RateLimiting.Tests;

public sealed class RateLimitKeysTests
{
    [Fact]
    public void All_keys_of_one_request_share_a_cluster_slot()
    {
        var keys = new RedisKey[]
        {
            RateLimitKeys.Key("acme", "k1"),
            RateLimitKeys.Tenant("acme"),
            RateLimitKeys.KeyTool("acme", "k1", "fs_read"),
            RateLimitKeys.Concurrency("acme", "k1"),
        };

        Assert.Equal(["t:acme"], keys.Select(HashTag).Distinct());
        Assert.Equal("rl:gcra:{t:acme}:key:k1", RateLimitKeys.Key("acme", "k1"));
        Assert.Equal("rl:gcra:{ip:203.0.113.9}:auth-failures", RateLimitKeys.AuthFailures("203.0.113.9"));
    }

    [Fact]
    public void A_tenant_id_with_braces_is_rejected() =>
        Assert.Throws<ArgumentException>(() => RateLimitKeys.Tenant("a}b"));

    private static string HashTag(RedisKey key)
    {
        // Cluster slots hash only the text between the first '{' and the next '}'.
        var text = key.ToString()!;
        var open = text.IndexOf('{', StringComparison.Ordinal);
        var close = text.IndexOf('}', open + 1);
        return text[(open + 1)..close];
    }
}
