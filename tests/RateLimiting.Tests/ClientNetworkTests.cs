using System.Net;

namespace Platform.RateLimiting.Tests;

public sealed class ClientNetworkTests
{
    [Theory]
    [InlineData("203.0.113.9", "203.0.113.9")]
    [InlineData("::ffff:203.0.113.9", "203.0.113.9")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::", "2001:db8:1:2::/64")]
    [InlineData("::1", "::/64")]
    [InlineData("fe80::1234:5678", "fe80::/64")]
    public void An_ipv4_address_counts_alone_and_an_ipv6_address_counts_as_its_64(string address, string network) =>
        Assert.Equal(network, ClientNetwork.Of(IPAddress.Parse(address)));

    [Fact]
    public void Every_address_of_one_ipv6_64_is_one_client_and_the_next_64_is_another()
    {
        var first = ClientNetwork.Of(IPAddress.Parse("2001:db8:aa:bb::1"));

        Assert.Equal(first, ClientNetwork.Of(IPAddress.Parse("2001:db8:aa:bb:ffff:ffff:ffff:ffff")));
        Assert.NotEqual(first, ClientNetwork.Of(IPAddress.Parse("2001:db8:aa:bc::1")));
    }

    [Fact]
    public void A_network_makes_a_redis_key_with_one_hash_tag() =>
        Assert.Equal("rl:gcra:{ip:2001:db8:1:2::/64}:auth-failures", RateLimitKeys.AuthFailures(ClientNetwork.Of(IPAddress.Parse("2001:db8:1:2::7"))));
}
