using System.Net;
using Platform.Sandbox.Network;

namespace Platform.Sandbox.Tests.Network;

public sealed class SsrfGuardAddressTests
{
    [Theory]
    [InlineData("2130706433", "127.0.0.1")]
    [InlineData("0x7f000001", "127.0.0.1")]
    [InlineData("0x7f.1", "127.0.0.1")]
    [InlineData("0177.0.0.1", "127.0.0.1")]
    [InlineData("0177.1", "127.0.0.1")]
    [InlineData("127.1", "127.0.0.1")]
    [InlineData("10.1.65535", "10.1.255.255")]
    [InlineData("0x", "0.0.0.0")]
    [InlineData("127.0.0.1.", "127.0.0.1")]
    [InlineData("[::1]", "::1")]
    public void Numeric_host_forms_are_read_as_the_address_they_denote(string host, string expected)
    {
        Assert.True(SsrfGuard.TryParseHostAddress(host, out var address));
        Assert.Equal(IPAddress.Parse(expected), address);
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("1.2.3.4.5")]
    [InlineData("256.1.1.1")]
    [InlineData("08.0.0.1")]
    [InlineData("0x1ffffffff")]
    public void Non_address_hosts_are_not_read_as_addresses(string host)
    {
        Assert.False(SsrfGuard.TryParseHostAddress(host, out _));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2002:808:808::1")]
    [InlineData("64:ff9b::808:808")]
    public void Public_addresses_are_not_blocked(string address)
    {
        Assert.False(SsrfGuard.IsBlocked(IPAddress.Parse(address), out var reason), reason);
    }

    [Fact]
    public void Scoped_link_local_address_is_blocked()
    {
        var scoped = new IPAddress(IPAddress.Parse("fe80::1").GetAddressBytes(), scopeid: 2);

        Assert.True(SsrfGuard.IsBlocked(scoped, out var reason));
        Assert.Contains("link-local", reason, StringComparison.Ordinal);
    }
}
