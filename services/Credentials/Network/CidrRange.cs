using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Platform.Credentials.Network;

/// <summary>
/// An IPv4 or IPv6 network in CIDR notation, as used in per-key IP allowlists.
/// </summary>
/// <remarks>
/// Parsing is strict because a lenient parse silently widens an allowlist:
/// <list type="bullet">
/// <item>Host bits set (<c>10.1.2.3/8</c>) are rejected, not normalised: the author may have meant
/// <c>/32</c>, and guessing <c>10.0.0.0/8</c> would admit 16 million addresses they did not list.</item>
/// <item>IPv4 must be four plain decimal octets; the legacy forms the OS parser accepts
/// (<c>10.1</c>, <c>0x0a.0.0.1</c>, octal <c>010.0.0.1</c>) are rejected.</item>
/// <item>IPv6 zone ids (<c>fe80::1%eth0</c>) and brackets are rejected.</item>
/// <item>IPv4-mapped IPv6 ranges (<c>::ffff:10.0.0.0/104</c>) become the IPv4 range they denote,
/// so they match clients however the socket reports them. Conversely an IPv6 range such as
/// <c>::/0</c> does not cover IPv4 clients: write <c>0.0.0.0/0</c> to allow them.</item>
/// </list>
/// A bare address is a single host: <c>/32</c> or <c>/128</c>.
/// </remarks>
public readonly record struct CidrRange
{
    private const int IPv4Bits = 32;
    private const int IPv6Bits = 128;
    private const int MappedPrefixBits = 96;

    private readonly UInt128 _network;

    private CidrRange(AddressFamily addressFamily, UInt128 network, int prefixLength)
    {
        AddressFamily = addressFamily;
        _network = network;
        PrefixLength = prefixLength;
    }

    /// <summary><see cref="AddressFamily.InterNetwork"/> or <see cref="AddressFamily.InterNetworkV6"/>; <c>Unspecified</c> only for <c>default</c>, which contains nothing.</summary>
    public AddressFamily AddressFamily { get; }

    public int PrefixLength { get; }

    public IPAddress Network => AddressFamily switch
    {
        AddressFamily.InterNetwork => new IPAddress(ToBytes(_network, IPv4Bits)),
        AddressFamily.InterNetworkV6 => new IPAddress(ToBytes(_network, IPv6Bits)),
        _ => IPAddress.None,
    };

    public static bool TryParse(string? text, out CidrRange range)
    {
        range = default;
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        var span = text.AsSpan();
        var slash = span.IndexOf('/');
        var addressText = slash < 0 ? span : span[..slash];

        if (!TryParseAddress(addressText, out var family, out var bits))
        {
            return false;
        }

        var width = family == AddressFamily.InterNetwork ? IPv4Bits : IPv6Bits;
        var prefixLength = width;
        if (slash >= 0 && !TryParsePrefixLength(span[(slash + 1)..], width, out prefixLength))
        {
            return false;
        }

        if ((bits & ~Mask(prefixLength, width)) != UInt128.Zero)
        {
            return false;
        }

        if (family == AddressFamily.InterNetworkV6 && prefixLength >= MappedPrefixBits && IsIPv4Mapped(bits))
        {
            range = new CidrRange(AddressFamily.InterNetwork, bits & uint.MaxValue, prefixLength - MappedPrefixBits);
            return true;
        }

        range = new CidrRange(family, bits, prefixLength);
        return true;
    }

    /// <summary>Whether the address is in this range; an IPv4-mapped IPv6 client counts as its IPv4 address.</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily || AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return false;
        }

        var width = AddressFamily == AddressFamily.InterNetwork ? IPv4Bits : IPv6Bits;
        return (ToBits(address) & Mask(PrefixLength, width)) == _network;
    }

    /// <summary>Canonical text: RFC 5952 for IPv6, always with the prefix length.</summary>
    public override string ToString() =>
        AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            ? string.Create(CultureInfo.InvariantCulture, $"{Network}/{PrefixLength}")
            : string.Empty;

    private static bool TryParseAddress(ReadOnlySpan<char> text, out AddressFamily family, out UInt128 bits)
    {
        family = AddressFamily.Unspecified;
        bits = UInt128.Zero;

        var isIPv6 = text.Contains(':');
        var allowed = isIPv6 ? IPv6Characters : IPv4Characters;
        if (text.IsEmpty || text.ContainsAnyExcept(allowed) || !IPAddress.TryParse(text, out var address))
        {
            return false;
        }

        if (!isIPv6 && !IsCanonicalDottedQuad(text, address))
        {
            return false;
        }

        family = address.AddressFamily;
        bits = ToBits(address);
        return family is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;
    }

    // Round-tripping through the formatter rejects short, hex, octal and zero-padded IPv4 forms in one check.
    private static bool IsCanonicalDottedQuad(ReadOnlySpan<char> text, IPAddress address)
    {
        Span<char> formatted = stackalloc char[15];
        return address.TryFormat(formatted, out var written) && text.SequenceEqual(formatted[..written]);
    }

    private static bool TryParsePrefixLength(ReadOnlySpan<char> text, int width, out int prefixLength)
    {
        prefixLength = 0;
        var hasLeadingZero = text.Length > 1 && text[0] == '0';
        return text.Length is > 0 and <= 3
            && !hasLeadingZero
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out prefixLength)
            && prefixLength <= width;
    }

    private static bool IsIPv4Mapped(UInt128 bits) => bits >> IPv4Bits == 0xFFFF;

    private static UInt128 Mask(int prefixLength, int width)
    {
        // Shifting a 128-bit value by 128 is a no-op, so /0 needs its own case.
        if (prefixLength == 0)
        {
            return UInt128.Zero;
        }

        var ones = width == IPv6Bits ? UInt128.MaxValue : uint.MaxValue;
        return (ones << (width - prefixLength)) & ones;
    }

    private static UInt128 ToBits(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return written == 4
            ? BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static byte[] ToBytes(UInt128 bits, int width)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, bits);
        return width == IPv4Bits ? bytes[12..] : bytes;
    }

    private static readonly System.Buffers.SearchValues<char> IPv4Characters =
        System.Buffers.SearchValues.Create("0123456789.");

    private static readonly System.Buffers.SearchValues<char> IPv6Characters =
        System.Buffers.SearchValues.Create("0123456789abcdefABCDEF:.");
}
