using System.Security.Cryptography;
using Marten;
using Microsoft.IdentityModel.Tokens;

namespace Platform.Auth.OAuth;

/// <summary>An ES256 signing key. The private key is PKCS#8; it never leaves Auth's schema or appears in a response.</summary>
public sealed class SigningKey
{
    public string Id { get; set; } = "";
    public string PrivateKeyPkcs8 { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    public override string ToString() => $"SigningKey {{ Id = {Id} }}";
}

/// <summary>
/// The current signing key and its predecessor. JWKS lists both, so tokens signed just before a rotation keep
/// validating until they expire. Keys live in Auth's schema so every Auth replica signs with the same ring.
/// </summary>
public sealed class SigningKeyRing(IDocumentStore store, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IReadOnlyList<(SigningKey Key, ECDsaSecurityKey Security)>? _keys;
    private DateTimeOffset _loadedAt;
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    /// <summary>Newest first.</summary>
    public async Task<IReadOnlyList<(SigningKey Key, ECDsaSecurityKey Security)>> KeysAsync(CancellationToken ct)
    {
        if (_keys is { } cached && time.GetUtcNow() - _loadedAt < RefreshInterval)
        {
            return cached;
        }

        await _gate.WaitAsync(ct);
        try
        {
            await using var session = store.LightweightSession();
            var keys = await session.Query<SigningKey>().OrderByDescending(k => k.CreatedAt).Take(2).ToListAsync(ct);
            if (keys.Count == 0)
            {
                keys = [await CreateAsync(session, ct)];
            }

            _keys = [.. keys.Select(k => (k, ToSecurityKey(k)))];
            _loadedAt = time.GetUtcNow();
            return _keys;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<SigningKey> RotateAsync(CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var key = await CreateAsync(session, ct);
        _keys = null;
        return key;
    }

    private async Task<SigningKey> CreateAsync(IDocumentSession session, CancellationToken ct)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = new SigningKey
        {
            Id = "es256-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            PrivateKeyPkcs8 = Convert.ToBase64String(ecdsa.ExportPkcs8PrivateKey()),
            CreatedAt = time.GetUtcNow(),
        };
        session.Store(key);
        await session.SaveChangesAsync(ct);
        return key;
    }

    public void Dispose() => _gate.Dispose();

    private static ECDsaSecurityKey ToSecurityKey(SigningKey key)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(Convert.FromBase64String(key.PrivateKeyPkcs8), out _);
        return new ECDsaSecurityKey(ecdsa) { KeyId = key.Id };
    }
}
