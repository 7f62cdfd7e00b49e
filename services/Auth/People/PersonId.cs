using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Platform.Auth.People;

/// <summary>
/// A person's id: <c>p_</c> and 26 lowercase Crockford base32 characters (a ULID: 48 bits of milliseconds, then 80
/// random bits), so ids sort by creation and never reveal anything else.
/// </summary>
public static partial class PersonId
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string New(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        var millis = (ulong)now.ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)(millis & 0xff);
            millis >>= 8;
        }

        RandomNumberGenerator.Fill(bytes[6..]);
        var value = new UInt128(
            BitConverter.ToUInt64([bytes[7], bytes[6], bytes[5], bytes[4], bytes[3], bytes[2], bytes[1], bytes[0]]),
            BitConverter.ToUInt64([bytes[15], bytes[14], bytes[13], bytes[12], bytes[11], bytes[10], bytes[9], bytes[8]]));
        Span<char> chars = stackalloc char[26];
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return "p_" + new string(chars);
    }

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    [GeneratedRegex("^p_[0-7][0-9a-hjkmnp-tv-z]{25}$")]
    private static partial Regex Pattern();
}
