using Platform.Sandbox.Network;

namespace Platform.Sandbox.Tests.Network;

public sealed class SsrfGuardUrlTests
{
    public static TheoryData<string, string> BlockedUrls => new()
    {
        // Loopback in every notation a resolver accepts.
        { "http://127.0.0.1/", "loopback" },
        { "http://127.1/", "loopback" },
        { "http://2130706433/", "loopback" },
        { "http://0x7f000001/", "loopback" },
        { "http://0x7f.1/", "loopback" },
        { "http://0x7f.0x0.0x0.0x1/", "loopback" },
        { "http://0177.0.0.1/", "loopback" },
        { "http://0177.1/", "loopback" },
        { "http://017700000001/", "loopback" },
        { "http://127.000.000.001/", "loopback" },
        { "http://127.0.0.1./", "loopback" },
        { "http://127.255.255.254:8080/x", "loopback" },
        { "http://localhost/", "loopback name" },
        { "http://LOCALHOST./", "loopback name" },
        { "http://api.localhost/", "loopback name" },
        { "http://[::1]/", "loopback (::1)" },
        { "http://[0:0:0:0:0:0:0:1]/", "loopback (::1)" },
        // Cloud metadata, plain and encoded.
        { "http://169.254.169.254/latest/meta-data/", "link-local" },
        { "http://0xa9fea9fe/", "link-local" },
        { "http://2852039166/", "link-local" },
        { "http://0251.0376.0251.0376/", "link-local" },
        { "http://169.254.43518/", "link-local" },
        // IPv6 forms that carry an internal IPv4 address.
        { "http://[::ffff:127.0.0.1]/", "IPv4-mapped" },
        { "http://[::ffff:7f00:1]/", "IPv4-mapped" },
        { "http://[::ffff:169.254.169.254]/", "IPv4-mapped" },
        { "http://[::ffff:8.8.8.8]/", "IPv4-mapped" },
        { "http://[::127.0.0.1]/", "IPv4-compatible" },
        { "http://[64:ff9b::a9fe:a9fe]/", "NAT64" },
        { "http://[64:ff9b::10.0.0.1]/", "NAT64" },
        { "http://[2002:7f00:1::]/", "6to4" },
        { "http://[2002:c0a8:101::1]/", "6to4" },
        { "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "Teredo" },
        // IPv6 internal ranges.
        { "http://[::]/", "unspecified" },
        { "http://[fc00::1]/", "unique local" },
        { "http://[fd12:3456::1]/", "unique local" },
        { "http://[fe80::1]/", "link-local" },
        { "http://[fe80::1%25eth0]/", "link-local" },
        { "http://[fec0::1]/", "site-local" },
        { "http://[ff02::1]/", "multicast" },
        { "http://[2001:db8::1]/", "documentation" },
        // IPv4 internal and special ranges.
        { "http://10.0.0.1/", "10.0.0.0/8" },
        { "http://10.255.255.255/", "10.0.0.0/8" },
        { "http://172.16.0.1/", "172.16.0.0/12" },
        { "http://172.31.255.255/", "172.16.0.0/12" },
        { "http://192.168.1.1/", "192.168.0.0/16" },
        { "http://0xc0a80101/", "192.168.0.0/16" },
        { "http://100.64.0.1/", "carrier-grade NAT" },
        { "http://100.127.255.255/", "carrier-grade NAT" },
        { "http://0.0.0.0/", "0.0.0.0/8" },
        { "http://0/", "0.0.0.0/8" },
        { "http://224.0.0.1/", "multicast" },
        { "http://255.255.255.255/", "broadcast" },
        { "http://240.0.0.1/", "reserved" },
        { "http://198.18.0.1/", "benchmarking" },
        { "http://198.19.255.255/", "benchmarking" },
        { "http://192.0.2.1/", "TEST-NET-1" },
        { "http://198.51.100.7/", "TEST-NET-2" },
        { "http://203.0.113.5/", "TEST-NET-3" },
        // Full-width digits: not mapped to ASCII here, but numeric-looking, so refused rather than guessed.
        { "http://\uFF11\uFF12\uFF17.0.0.1/", "not a valid one" },
        // Shape of the URL itself.
        { "ftp://example.com/", "scheme" },
        { "file:///etc/passwd", "scheme" },
        { "gopher://example.com/", "scheme" },
        { "/relative/path", "scheme" },
        { "http://user:pass@example.com/", "user information" },
        { "http://example.com@127.0.0.1/", "user information" },
        { "http://1.2.3.4.5/", "not a valid one" },
        { "http://0x1ffffffff/", "not a valid one" },
        { "", "empty" },
    };

    [Theory]
    [MemberData(nameof(BlockedUrls))]
    public void Internal_or_malformed_url_is_refused_with_a_reason(string url, string reasonFragment)
    {
        var allowed = SsrfGuard.TryValidateUrl(url, out var uri, out var reason);

        Assert.False(allowed, $"{url} was allowed as {uri}");
        Assert.Contains(reasonFragment, reason, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("http://example.com/")]
    [InlineData("https://example.com:8443/a?b=c")]
    [InlineData("http://8.8.8.8/")]
    [InlineData("http://134744072/")]
    [InlineData("http://100.63.255.255/")]
    [InlineData("http://100.128.0.0/")]
    [InlineData("http://172.32.0.1/")]
    [InlineData("http://11.0.0.1/")]
    [InlineData("http://198.20.0.1/")]
    [InlineData("https://[2606:4700:4700::1111]/")]
    [InlineData("http://[2002:808:808::1]/")]
    [InlineData("http://[64:ff9b::8.8.8.8]/")]
    [InlineData("http://127.0.0.1.example.com/")]
    public void Public_url_is_accepted(string url)
    {
        var allowed = SsrfGuard.TryValidateUrl(url, out var uri, out var reason);

        Assert.True(allowed, reason);
        Assert.NotNull(uri);
    }

    [Theory]
    [InlineData("http://example.com/", true)]
    [InlineData("http://EXAMPLE.com./x", true)]
    [InlineData("http://sub.example.com/", false)]
    [InlineData("http://api.trusted.org/", true)]
    [InlineData("http://a.b.trusted.org/", true)]
    [InlineData("http://trusted.org/", false)]
    [InlineData("http://eviltrusted.org/", false)]
    [InlineData("http://trusted.org.evil.com/", false)]
    [InlineData("http://example.com.evil.com/", false)]
    [InlineData("http://other.net/", false)]
    public void Allowlist_matches_exact_hosts_and_subdomain_patterns(string url, bool expected)
    {
        string[] allowlist = ["example.com", "*.trusted.org"];

        var allowed = SsrfGuard.TryValidateUrl(url, allowlist, out _, out var reason);

        Assert.True(expected == allowed, $"{url}: {reason}");
    }

    [Fact]
    public void Unicode_lookalike_of_localhost_stays_an_opaque_punycode_name()
    {
        // With invariant globalization no UTS 46 mapping happens, so "\u24DBocalhost" is looked up as its
        // punycode form, never as localhost; whatever that resolves to is checked at connect time.
        Assert.True(SsrfGuard.TryValidateUrl("http://\u24DBocalhost/", out var uri, out var reason), reason);
        Assert.StartsWith("xn--", uri.IdnHost, StringComparison.Ordinal);
    }

    [Fact]
    public void Allowlist_does_not_unblock_an_internal_address()
    {
        string[] allowlist = ["127.0.0.1", "169.254.169.254", "localhost"];

        Assert.False(SsrfGuard.TryValidateUrl("http://127.0.0.1/", allowlist, out _, out _));
        Assert.False(SsrfGuard.TryValidateUrl("http://169.254.169.254/", allowlist, out _, out _));
        Assert.False(SsrfGuard.TryValidateUrl("http://localhost/", allowlist, out _, out _));
    }
}
