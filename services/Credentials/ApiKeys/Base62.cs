namespace Platform.Credentials.ApiKeys;

internal static class Base62
{
    public const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static bool AreAllDigits(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(Digits);

    // 62^6 > 2^32, so six digits hold any CRC32; fixed width keeps the key length constant.
    public static void EncodeFixedWidth(uint value, Span<char> destination)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }
    }

    private static readonly System.Buffers.SearchValues<char> Digits = System.Buffers.SearchValues.Create(Alphabet);
}
