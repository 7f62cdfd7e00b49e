using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Platform.Sandbox.Network;

/// <summary>
/// Decides whether a URL or an address may be fetched on behalf of a tool call. Every check answers
/// with a reason so a rejected call can be recorded with it.
/// </summary>
public static class SsrfGuard
{
    private const int MaxUrlLength = 8192;

    private static readonly (IPNetwork Network, string Reason)[] BlockedIPv4 =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "'this network' (0.0.0.0/8)"),
        (IPNetwork.Parse("10.0.0.0/8"), "private (RFC 1918, 10.0.0.0/8)"),
        (IPNetwork.Parse("100.64.0.0/10"), "carrier-grade NAT (100.64.0.0/10)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback (127.0.0.0/8)"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local / cloud metadata (169.254.0.0/16)"),
        (IPNetwork.Parse("172.16.0.0/12"), "private (RFC 1918, 172.16.0.0/12)"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignments (192.0.0.0/24)"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation (TEST-NET-1, 192.0.2.0/24)"),
        (IPNetwork.Parse("192.88.99.0/24"), "6to4 relay anycast (192.88.99.0/24)"),
        (IPNetwork.Parse("192.168.0.0/16"), "private (RFC 1918, 192.168.0.0/16)"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking (198.18.0.0/15)"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation (TEST-NET-2, 198.51.100.0/24)"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation (TEST-NET-3, 203.0.113.0/24)"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast (224.0.0.0/4)"),
        // 240/4 includes the limited broadcast address 255.255.255.255.
        (IPNetwork.Parse("240.0.0.0/4"), "reserved / broadcast (240.0.0.0/4)"),
    ];

    private static readonly (IPNetwork Network, string Reason)[] BlockedIPv6 =
    [
        (IPNetwork.Parse("::/128"), "unspecified (::)"),
        (IPNetwork.Parse("::1/128"), "loopback (::1)"),
        // Mapped and compatible forms are how a dual-stack socket reaches IPv4; an attacker-supplied one
        // is never needed to reach a public host, so the whole range is refused rather than unwrapped.
        (IPNetwork.Parse("::/96"), "IPv4-compatible (::/96)"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "local-use NAT64 (64:ff9b:1::/48)"),
        (IPNetwork.Parse("100::/64"), "discard-only (100::/64)"),
        // Teredo tunnels to an IPv4 address that is obfuscated in the address; it cannot be checked reliably.
        (IPNetwork.Parse("2001::/32"), "Teredo (2001::/32)"),
        (IPNetwork.Parse("2001:2::/48"), "benchmarking (2001:2::/48)"),
        (IPNetwork.Parse("2001:db8::/32"), "documentation (2001:db8::/32)"),
        (IPNetwork.Parse("3fff::/20"), "documentation (3fff::/20)"),
        (IPNetwork.Parse("fc00::/7"), "unique local (fc00::/7)"),
        (IPNetwork.Parse("fe80::/10"), "link-local (fe80::/10)"),
        (IPNetwork.Parse("fec0::/10"), "site-local (fec0::/10)"),
        (IPNetwork.Parse("ff00::/8"), "multicast (ff00::/8)"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>True when <paramref name="address"/> must never be connected to from a tool.</summary>
    public static bool IsBlocked(IPAddress address, out string reason)
    {
        ArgumentNullException.ThrowIfNull(address);

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return IsBlockedIPv4(address, out reason);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            reason = $"address family {address.AddressFamily} is not allowed";
            return true;
        }

        // A scope id only matters for link-local addresses, which are blocked anyway; comparing without it
        // keeps the range checks purely about the 128 bits.
        var bare = address.ScopeId == 0 ? address : new IPAddress(address.GetAddressBytes());

        // IPNetwork.Contains does not match mapped addresses against ::ffff:0:0/96, so they are caught here.
        if (bare.IsIPv4MappedToIPv6)
        {
            reason = "IPv4-mapped (::ffff:0:0/96)";
            return true;
        }

        foreach (var (network, why) in BlockedIPv6)
        {
            if (network.Contains(bare))
            {
                reason = why;
                return true;
            }
        }

        var bytes = bare.GetAddressBytes();
        if (Nat64.Contains(bare) && IsBlockedIPv4(new IPAddress(bytes.AsSpan(12, 4)), out var inner))
        {
            reason = $"NAT64 (64:ff9b::/96) embedding {inner}";
            return true;
        }

        if (SixToFour.Contains(bare) && IsBlockedIPv4(new IPAddress(bytes.AsSpan(2, 4)), out inner))
        {
            reason = $"6to4 (2002::/16) embedding {inner}";
            return true;
        }

        reason = string.Empty;
        return false;
    }

    /// <inheritdoc cref="TryValidateUrl(string, IReadOnlyCollection{string}?, out Uri?, out string)"/>
    public static bool TryValidateUrl(string url, [NotNullWhen(true)] out Uri? uri, out string reason) =>
        TryValidateUrl(url, allowedHosts: null, out uri, out reason);

    /// <summary>
    /// Checks everything about a URL that can be known before DNS: scheme, userinfo, host shape,
    /// literal addresses in any notation, and the tenant's host allowlist (exact names or <c>*.suffix</c>).
    /// A hostname that passes still has to pass <see cref="IsBlocked"/> for every address it resolves to.
    /// </summary>
    public static bool TryValidateUrl(
        string url,
        IReadOnlyCollection<string>? allowedHosts,
        [NotNullWhen(true)] out Uri? uri,
        out string reason)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            reason = "URL is empty";
            return false;
        }

        if (url.Length > MaxUrlLength)
        {
            reason = $"URL is longer than {MaxUrlLength} characters";
            return false;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed))
        {
            reason = "URL is not a valid absolute URL";
            return false;
        }

        if (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
        {
            reason = $"scheme '{parsed.Scheme}' is not allowed; only http and https";
            return false;
        }

        if (parsed.UserInfo.Length > 0)
        {
            reason = "URL must not contain user information";
            return false;
        }

        var host = parsed.IdnHost.TrimEnd('.');
        if (host.Length == 0)
        {
            reason = "URL has no host";
            return false;
        }

        if (TryGetLiteralAddress(parsed, out var literal, out reason))
        {
            if (literal is not null && IsBlocked(literal, out var why))
            {
                reason = $"address {literal} is blocked: {why}";
                return false;
            }
        }
        else
        {
            return false;
        }

        if (literal is null && IsLocalhostName(host))
        {
            reason = $"host '{host}' is a loopback name";
            return false;
        }

        if (allowedHosts is { Count: > 0 } && !IsAllowedHost(host, allowedHosts))
        {
            reason = $"host '{host}' is not in the allowlist";
            return false;
        }

        uri = parsed;
        reason = string.Empty;
        return true;
    }

    /// <summary>
    /// Reads a host the way a resolver would: an IP literal in any notation that <c>inet_aton</c> accepts
    /// (decimal <c>2130706433</c>, hex <c>0x7f.1</c>, octal <c>0177.0.0.1</c>, short <c>127.1</c>).
    /// </summary>
    public static bool TryParseHostAddress(string host, [NotNullWhen(true)] out IPAddress? address)
    {
        ArgumentNullException.ThrowIfNull(host);
        var trimmed = host.TrimEnd('.');
        if (trimmed.StartsWith('[') && trimmed.EndsWith(']'))
        {
            trimmed = trimmed[1..^1];
        }

        if (trimmed.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(trimmed, out address) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        return TryParseLooseIPv4(trimmed, out address, out _);
    }

    internal static bool IsAllowedHost(string host, IEnumerable<string> allowedHosts)
    {
        foreach (var entry in allowedHosts)
        {
            var pattern = entry.Trim().TrimEnd('.');
            if (pattern.StartsWith("*.", StringComparison.Ordinal))
            {
                // "*.example.com" means subdomains only; the apex has to be listed on its own.
                if (host.Length > pattern.Length - 1 && host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
            else if (string.Equals(host, pattern, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsBlockedIPv4(IPAddress address, out string reason)
    {
        foreach (var (network, why) in BlockedIPv4)
        {
            if (network.Contains(address))
            {
                reason = why;
                return true;
            }
        }

        reason = string.Empty;
        return false;
    }

    private static bool IsLocalhostName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);

    // Returns false (with a reason) for a host that is numeric-looking but not a valid address, because
    // resolvers disagree on such names and one of them may still read it as an address.
    private static bool TryGetLiteralAddress(Uri uri, out IPAddress? address, out string reason)
    {
        reason = string.Empty;
        address = null;
        if (uri.HostNameType == UriHostNameType.IPv6)
        {
            if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var v6))
            {
                address = v6;
                return true;
            }

            reason = "IPv6 host could not be parsed";
            return false;
        }

        // Uri already normalises most numeric IPv4 forms to dotted quads, but it is not the component that
        // opens the socket, so the host is re-read here with inet_aton rules whatever Uri decided.
        var host = uri.IdnHost.TrimEnd('.');
        if (TryParseLooseIPv4(host, out var v4, out var looksNumeric))
        {
            address = v4;
            return true;
        }

        if (looksNumeric)
        {
            reason = $"host '{host}' looks like an IP address but is not a valid one";
            return false;
        }

        return true;
    }

    private static bool TryParseLooseIPv4(string host, [NotNullWhen(true)] out IPAddress? address, out bool looksNumeric)
    {
        address = null;
        var parts = host.Split('.');
        // WHATWG URL: a host whose last label is a number is an IPv4 address or nothing.
        looksNumeric = parts.Length > 0 && TryParseNumber(parts[^1], out _);
        if (parts.Length is < 1 or > 4)
        {
            return false;
        }

        var values = new ulong[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!TryParseNumber(parts[i], out values[i]))
            {
                return false;
            }
        }

        for (var i = 0; i < values.Length - 1; i++)
        {
            if (values[i] > 255)
            {
                return false;
            }
        }

        var lastBits = 8 * (5 - values.Length);
        if (values[^1] >= 1UL << lastBits)
        {
            return false;
        }

        ulong value = values[^1];
        for (var i = 0; i < values.Length - 1; i++)
        {
            value |= values[i] << (8 * (3 - i));
        }

        address = new IPAddress(
        [
            (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value,
        ]);
        return true;
    }

    private static bool TryParseNumber(string part, out ulong value)
    {
        value = 0;
        if (part.Length == 0 || part.Length > 32)
        {
            return false;
        }

        if (part.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            var digits = part[2..];
            return digits.Length == 0
                || ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }

        if (part.Length > 1 && part[0] == '0')
        {
            foreach (var c in part)
            {
                if (c is < '0' or > '7')
                {
                    return false;
                }

                if (value > ulong.MaxValue >> 3)
                {
                    return false;
                }

                value = (value << 3) | (uint)(c - '0');
            }

            return true;
        }

        foreach (var c in part)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
