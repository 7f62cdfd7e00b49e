using System.Net;
using Platform.Credentials.Network;

namespace Platform.Credentials.Tests.Network;

public sealed class MatchingClientAddresses
{
    private static CidrRange Range(string text)
    {
        Assert.True(CidrRange.TryParse(text, out var range), text);
        return range;
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0", true)]
    [InlineData("10.0.0.0/8", "10.255.255.255", true)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("10.0.0.0/8", "9.255.255.255", false)]
    [InlineData("192.168.1.7/32", "192.168.1.7", true)]
    [InlineData("192.168.1.7/32", "192.168.1.8", false)]
    [InlineData("192.168.1.7/32", "192.168.1.6", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("0.0.0.0/0", "255.255.255.255", true)]
    [InlineData("172.16.0.0/12", "172.31.255.255", true)]
    [InlineData("172.16.0.0/12", "172.32.0.0", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::", false)]
    [InlineData("2001:db8::1/128", "2001:db8::1", true)]
    [InlineData("2001:db8::1/128", "2001:db8::2", false)]
    [InlineData("2001:db8::/127", "2001:db8::1", true)]
    [InlineData("2001:db8::/127", "2001:db8::2", false)]
    [InlineData("::/0", "2001:db8::1", true)]
    [InlineData("fe80::/10", "fe80::1%3", true)]
    public void Addresses_inside_the_range_match_and_outside_do_not(string range, string address, bool expected)
    {
        Assert.Equal(expected, Range(range).Contains(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    [InlineData("10.0.0.0/8", "::ffff:11.1.2.3", false)]
    [InlineData("::ffff:10.0.0.0/104", "10.1.2.3", true)]
    [InlineData("::ffff:10.0.0.0/104", "::ffff:10.1.2.3", true)]
    [InlineData("0.0.0.0/0", "::ffff:203.0.113.9", true)]
    public void IPv4_mapped_IPv6_addresses_count_as_IPv4(string range, string address, bool expected)
    {
        Assert.Equal(expected, Range(range).Contains(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("0.0.0.0/0", "::1")]
    [InlineData("0.0.0.0/0", "::a00:1")]
    [InlineData("::/0", "10.0.0.1")]
    [InlineData("::/0", "::ffff:10.0.0.1")]
    [InlineData("10.0.0.0/8", "::a00:1")]
    public void A_range_never_matches_the_other_address_family(string range, string address)
    {
        Assert.False(Range(range).Contains(IPAddress.Parse(address)));
    }

    [Fact]
    public void The_default_range_contains_nothing()
    {
        Assert.False(default(CidrRange).Contains(IPAddress.Any));
        Assert.False(default(CidrRange).Contains(IPAddress.IPv6Any));
    }

    [Fact]
    public void An_empty_allowlist_allows_every_client()
    {
        Assert.True(IpAllowlist.Allows([], IPAddress.Parse("203.0.113.9")));
    }

    [Fact]
    public void An_allowlist_allows_only_clients_in_one_of_its_ranges()
    {
        CidrRange[] allowlist = [Range("10.0.0.0/8"), Range("2001:db8::/32")];

        Assert.True(IpAllowlist.Allows(allowlist, IPAddress.Parse("10.9.9.9")));
        Assert.True(IpAllowlist.Allows(allowlist, IPAddress.Parse("::ffff:10.9.9.9")));
        Assert.True(IpAllowlist.Allows(allowlist, IPAddress.Parse("2001:db8::5")));
        Assert.False(IpAllowlist.Allows(allowlist, IPAddress.Parse("192.168.0.1")));
        Assert.False(IpAllowlist.Allows(allowlist, IPAddress.Parse("2001:db9::5")));
    }
}
