using System.Net;
using System.Net.Sockets;

namespace Platform.RateLimiting;

/// <summary>
/// What failed authentications are counted against: an IPv4 address, or the /64 network of an IPv6 address.
/// </summary>
/// <remarks>
/// An IPv6 host is routinely given a whole /64, so counting per address would let one guesser rotate through 2^64
/// source addresses and never reach the limit. An IPv4 client behind a dual-stack listener arrives as an IPv4-mapped
/// IPv6 address and is counted as the IPv4 address it is.
/// </remarks>
public static class ClientNetwork
{
    private const int Ipv6NetworkBytes = 8;

    public static string Of(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[Ipv6NetworkBytes..].Clear();
        return new IPAddress(bytes) + "/64";
    }
}
