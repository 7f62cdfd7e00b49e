using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Platform.Auth.People;

/// <summary>Bound from <c>Auth:Passwords</c>; docs/people.md explains the defaults.</summary>
public sealed class PasswordOptions
{
    public const string Section = "Auth:Passwords";

    /// <summary>Argon2id memory in KiB (OWASP's 19 MiB minimum by default).</summary>
    public int MemoryKib { get; set; } = 19 * 1024;

    public int Iterations { get; set; } = 2;

    public int Parallelism { get; set; } = 1;

    public const int MinLength = 12;
    public const int MaxLength = 256;
}

/// <summary>
/// Argon2id password hashes as PHC strings (<c>$argon2id$v=19$m=…,t=…,p=…$salt$hash</c>), so each hash keeps the
/// parameters it was made with: raising them later rehashes a password at its next successful sign-in.
/// </summary>
/// <remarks>
/// A hash is CPU- and memory-bound work of tens of milliseconds. At most one per core runs at a time, so a burst of
/// sign-ins queues here instead of starving the thread pool or multiplying the memory cost.
/// </remarks>
public sealed class PasswordHasher : IDisposable
{
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const string Prefix = "$argon2id$v=19$";

    private readonly IOptionsMonitor<PasswordOptions> _options;
    private readonly SemaphoreSlim _slots = new(Environment.ProcessorCount, Environment.ProcessorCount);
    private readonly Lazy<string> _dummy;

    public PasswordHasher(IOptionsMonitor<PasswordOptions> options)
    {
        _options = options;
        _dummy = new Lazy<string>(() => Compute(RandomNumberGenerator.GetHexString(32), RandomNumberGenerator.GetBytes(SaltBytes), Current()));
    }

    public async Task<string> HashAsync(string password, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(password);
        var parameters = Current();
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        await _slots.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return Compute(password, salt, parameters);
        }
        finally
        {
            _slots.Release();
        }
    }

    public sealed record Verification(bool Matches, bool NeedsRehash);

    /// <summary>Compares in constant time; a malformed stored hash never matches.</summary>
    public async Task<Verification> VerifyAsync(string password, string stored, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(stored, out var parameters, out var salt, out var expected))
        {
            return new(false, false);
        }

        await _slots.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var actual = Derive(password, salt, parameters, expected.Length);
            return new(CryptographicOperations.FixedTimeEquals(actual, expected), parameters != Current());
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Spends a verification's time for an email with no account, so timing does not tell the two apart.</summary>
    public Task VerifyDummyAsync(string password, CancellationToken ct) => VerifyAsync(password, _dummy.Value, ct);

    public void Dispose() => _slots.Dispose();

    private sealed record Parameters(int MemoryKib, int Iterations, int Parallelism);

    private Parameters Current()
    {
        var o = _options.CurrentValue;
        return new(Math.Max(o.MemoryKib, 8 * o.Parallelism), Math.Max(1, o.Iterations), Math.Max(1, o.Parallelism));
    }

    private static string Compute(string password, byte[] salt, Parameters p) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Prefix}m={p.MemoryKib},t={p.Iterations},p={p.Parallelism}${Encode(salt)}${Encode(Derive(password, salt, p, HashBytes))}");

    private static byte[] Derive(string password, byte[] salt, Parameters p, int length)
    {
        var bytes = Encoding.UTF8.GetBytes(password);
        try
        {
            using var argon = new Argon2id(bytes)
            {
                Salt = salt,
                MemorySize = p.MemoryKib,
                Iterations = p.Iterations,
                DegreeOfParallelism = p.Parallelism,
            };
            return argon.GetBytes(length);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static bool TryParse(string? phc, out Parameters parameters, out byte[] salt, out byte[] hash)
    {
        parameters = new(0, 0, 0);
        salt = hash = [];
        if (phc is null || !phc.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = phc[Prefix.Length..].Split('$');
        if (parts.Length != 3)
        {
            return false;
        }

        int m = 0, t = 0, p = 0;
        foreach (var pair in parts[0].Split(','))
        {
            var kv = pair.Split('=');
            if (kv.Length != 2 || !int.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            switch (kv[0])
            {
                case "m": m = value; break;
                case "t": t = value; break;
                case "p": p = value; break;
                default: return false;
            }
        }

        if (m < 8 || t < 1 || p < 1 || !TryDecode(parts[1], out salt) || !TryDecode(parts[2], out hash) || hash.Length < 16)
        {
            return false;
        }

        parameters = new(m, t, p);
        return true;
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static bool TryDecode(string text, out byte[] bytes)
    {
        var padded = text + new string('=', (4 - text.Length % 4) % 4);
        bytes = new byte[padded.Length];
        if (Convert.TryFromBase64String(padded, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }
}
