using System.Net.Sockets;
using Platform.Credentials.Network;

namespace Platform.Credentials.Tests.Network;

public sealed class ParsingCidrRanges
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("192.168.1.7/32", "192.168.1.7/32")]
    [InlineData("192.168.1.7", "192.168.1.7/32")]
    [InlineData("2001:DB8:0:0::/32", "2001:db8::/32")]
    [InlineData("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1/128")]
    [InlineData("::/0", "::/0")]
    [InlineData("::1", "::1/128")]
    [InlineData("::ffff:10.0.0.0/104", "10.0.0.0/8")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1/32")]
    [InlineData("::ffff:0:0/96", "0.0.0.0/0")]
    public void Valid_ranges_parse_to_their_canonical_form(string text, string canonical)
    {
        Assert.True(CidrRange.TryParse(text, out var range));
        Assert.Equal(canonical, range.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("10.0.0.0/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/+8")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/08")]
    [InlineData("10.0.0.0/8/8")]
    [InlineData("10.0.0.0/ 8")]
    [InlineData(" 10.0.0.0/8")]
    [InlineData("10.0.0.0/8 ")]
    [InlineData("10.0.0")]
    [InlineData("10.1")]
    [InlineData("167772161")]
    [InlineData("0x0a.0.0.1")]
    [InlineData("010.0.0.1")]
    [InlineData("10.0.0.01")]
    [InlineData("256.0.0.0")]
    [InlineData("fe80::1%eth0")]
    [InlineData("fe80::1%3/128")]
    [InlineData("[::1]")]
    [InlineData("2001:db8:::1")]
    [InlineData("example.com")]
    [InlineData("/8")]
    [InlineData("1.2.3.4:80")]
    [InlineData("1.2.3.4:80/32")]
    [InlineData("::ffff:1.2.3.4:80")]
    [InlineData("::1/64:")]
    [InlineData("1.2.3.4/32/")]
    public void Invalid_ranges_are_rejected(string? text)
    {
        Assert.False(CidrRange.TryParse(text, out _));
    }

    [Theory]
    [InlineData("10.1.2.3/8")]
    [InlineData("192.168.1.1/24")]
    [InlineData("2001:db8::1/64")]
    [InlineData("0.0.0.1/0")]
    public void Ranges_with_host_bits_set_are_rejected_rather_than_widened(string text)
    {
        Assert.False(CidrRange.TryParse(text, out _));
    }

    [Fact]
    public void Parsed_ranges_expose_family_network_and_prefix()
    {
        Assert.True(CidrRange.TryParse("2001:db8::/48", out var v6));
        Assert.True(CidrRange.TryParse("::ffff:10.0.0.0/104", out var mapped));

        Assert.Equal(AddressFamily.InterNetworkV6, v6.AddressFamily);
        Assert.Equal(48, v6.PrefixLength);
        Assert.Equal("2001:db8::", v6.Network.ToString());
        Assert.Equal(AddressFamily.InterNetwork, mapped.AddressFamily);
        Assert.Equal(8, mapped.PrefixLength);
    }

    [Fact]
    public void Equivalent_spellings_parse_to_equal_ranges()
    {
        Assert.True(CidrRange.TryParse("2001:0DB8::/32", out var upper));
        Assert.True(CidrRange.TryParse("2001:db8:0::/32", out var lower));
        Assert.True(CidrRange.TryParse("10.0.0.0/16", out var narrow));

        Assert.Equal(upper, lower);
        Assert.True(CidrRange.TryParse("10.0.0.0/8", out var wide));
        Assert.NotEqual(wide, narrow);
    }
}
