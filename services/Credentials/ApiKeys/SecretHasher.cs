using System.Security.Cryptography;
using System.Text;

namespace Platform.Credentials.ApiKeys;

/// <summary>
/// HMAC-SHA256 of a key's secret under a versioned server-side pepper. A database leak alone then
/// yields nothing to brute-force offline; the secret's ~190 bits already rule out guessing, so a
/// slow password hash would only cost latency on every request.
/// </summary>
public sealed class SecretHasher(PepperSet peppers)
{
    private const int HashBytes = HMACSHA256.HashSizeInBytes;

    private readonly PepperSet _peppers = peppers ?? throw new ArgumentNullException(nameof(peppers));

    public HashedSecret Hash(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        Span<byte> hash = stackalloc byte[HashBytes];
        Compute(_peppers.Current, secret, hash);
        return new HashedSecret(_peppers.CurrentVersion, Convert.ToBase64String(hash));
    }

    /// <returns>False for a wrong secret, an unknown pepper version or a malformed stored hash.</returns>
    public bool Verify(string secret, HashedSecret stored)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(stored);

        var pepper = _peppers.Find(stored.PepperVersion);
        Span<byte> expected = stackalloc byte[HashBytes];
        if (pepper is null
            || !Convert.TryFromBase64String(stored.Hash, expected, out var written)
            || written != HashBytes)
        {
            return false;
        }

        Span<byte> actual = stackalloc byte[HashBytes];
        Compute(pepper, secret, actual);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>True once the pepper has rotated; rehash after the next successful verify.</summary>
    public bool NeedsRehash(HashedSecret stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return !string.Equals(stored.PepperVersion, _peppers.CurrentVersion, StringComparison.Ordinal);
    }

    private static void Compute(byte[] pepper, string secret, Span<byte> destination) =>
        HMACSHA256.HashData(pepper, Encoding.UTF8.GetBytes(secret), destination);
}
