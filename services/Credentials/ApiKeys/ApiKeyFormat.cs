using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Platform.Credentials.ApiKeys;

/// <summary>
/// The API key wire format <c>&lt;prefix&gt;_&lt;env&gt;_&lt;keyId&gt;_&lt;secret&gt;&lt;checksum&gt;</c>.
/// </summary>
/// <remarks>
/// The CRC32 checksum is not a security control: it lets the verifier reject typos and garbage
/// without a database read, and lets secret scanners tell real leaked keys from look-alikes.
/// </remarks>
public static partial class ApiKeyFormat
{
    public const int KeyIdLength = 16;
    public const int SecretLength = 32;
    public const int ChecksumLength = 6;
    public const int MaxLength = 128;

    /// <summary>
    /// Finds candidate keys in free text whatever their prefix; confirm each match with
    /// <see cref="TryParse"/> so look-alikes with a wrong checksum are not reported.
    /// </summary>
    public const string ScannerPatternText =
        "[a-z][a-z0-9]{1,15}_[a-z]{2,10}_[0-9A-Za-z]{16}_[0-9A-Za-z]{38}";

    private const int MinPrefixLength = 2;
    private const int MaxPrefixLength = 16;
    private const int MinEnvironmentLength = 2;
    private const int MaxEnvironmentLength = 10;
    private const int SecretAndChecksumLength = SecretLength + ChecksumLength;

    [GeneratedRegex(ScannerPatternText, RegexOptions.CultureInvariant)]
    public static partial Regex ScannerPattern { get; }

    public static bool IsValidPrefix(string? prefix) => prefix is not null && IsValidPrefix(prefix.AsSpan());

    public static bool IsValidEnvironment(string? environment) =>
        environment is not null && IsValidEnvironment(environment.AsSpan());

    /// <exception cref="ArgumentException">The prefix or environment breaks the format; a configuration error.</exception>
    public static IssuedApiKey Generate(string prefix, string environment) =>
        // GetString draws each character with RandomNumberGenerator.GetInt32, which rejection-samples,
        // so no character is more likely than another (a byte % 62 would favour the first eight).
        GenerateSecretFor(prefix, environment, RandomNumberGenerator.GetString(Base62.Alphabet, KeyIdLength));

    /// <summary>A fresh secret for an existing key id: what a rotation hands out.</summary>
    public static IssuedApiKey GenerateSecretFor(string prefix, string environment, string keyId)
    {
        if (!IsValidPrefix(prefix))
        {
            throw new ArgumentException("The prefix must match [a-z][a-z0-9]{1,15}.", nameof(prefix));
        }

        if (!IsValidEnvironment(environment))
        {
            throw new ArgumentException("The environment must match [a-z]{2,10}.", nameof(environment));
        }

        if (keyId.Length != KeyIdLength || !Base62.AreAllDigits(keyId))
        {
            throw new ArgumentException($"The key id must be {KeyIdLength} base62 characters.", nameof(keyId));
        }

        var secret = RandomNumberGenerator.GetString(Base62.Alphabet, SecretLength);
        var body = $"{prefix}_{environment}_{keyId}_{secret}";
        Span<char> checksum = stackalloc char[ChecksumLength];
        Base62.EncodeFixedWidth(Crc32Of(body), checksum);

        return new IssuedApiKey(string.Concat(body, checksum), keyId, secret);
    }

    /// <summary>
    /// Checks shape, alphabet and checksum without touching storage, and allocates only on success,
    /// because it runs on every request before any lookup.
    /// </summary>
    public static bool TryParse(string? candidate, out ParsedApiKey key)
    {
        key = default;
        if (string.IsNullOrEmpty(candidate) || candidate.Length > MaxLength)
        {
            return false;
        }

        var text = candidate.AsSpan();

        var prefixEnd = text.IndexOf('_');
        if (prefixEnd < 0 || !IsValidPrefix(text[..prefixEnd]))
        {
            return false;
        }

        var environmentStart = prefixEnd + 1;
        var environmentEnd = text[environmentStart..].IndexOf('_');
        if (environmentEnd < 0)
        {
            return false;
        }

        environmentEnd += environmentStart;
        if (!IsValidEnvironment(text[environmentStart..environmentEnd]))
        {
            return false;
        }

        var keyIdStart = environmentEnd + 1;
        var secretStart = keyIdStart + KeyIdLength + 1;
        if (text.Length - secretStart != SecretAndChecksumLength || text[secretStart - 1] != '_')
        {
            return false;
        }

        var keyId = text.Slice(keyIdStart, KeyIdLength);
        var secretAndChecksum = text[secretStart..];
        if (!Base62.AreAllDigits(keyId) || !Base62.AreAllDigits(secretAndChecksum))
        {
            return false;
        }

        var checksumStart = text.Length - ChecksumLength;
        Span<char> expected = stackalloc char[ChecksumLength];
        Base62.EncodeFixedWidth(Crc32Of(text[..checksumStart]), expected);
        if (!expected.SequenceEqual(text[checksumStart..]))
        {
            return false;
        }

        key = new ParsedApiKey(
            text[..prefixEnd].ToString(),
            text[environmentStart..environmentEnd].ToString(),
            keyId.ToString(),
            secretAndChecksum[..SecretLength].ToString());
        return true;
    }

    private static bool IsValidPrefix(ReadOnlySpan<char> prefix) =>
        prefix.Length is >= MinPrefixLength and <= MaxPrefixLength
        && char.IsAsciiLetterLower(prefix[0])
        && !prefix.ContainsAnyExcept(LowercaseLettersAndDigits);

    private static bool IsValidEnvironment(ReadOnlySpan<char> environment) =>
        environment.Length is >= MinEnvironmentLength and <= MaxEnvironmentLength
        && !environment.ContainsAnyExceptInRange('a', 'z');

    // Callers have already restricted the text to ASCII, so narrowing each char to a byte is exact.
    private static uint Crc32Of(ReadOnlySpan<char> asciiText)
    {
        Span<byte> bytes = stackalloc byte[MaxLength];
        var length = System.Text.Encoding.ASCII.GetBytes(asciiText, bytes);
        return Crc32.HashToUInt32(bytes[..length]);
    }

    private static readonly System.Buffers.SearchValues<char> LowercaseLettersAndDigits =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789");
}
