using System.Security.Cryptography;
using Marten;
using JasperFx;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

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
/// The symmetric key OpenIddict encrypts authorization codes and refresh tokens with. One per platform, so a code issued
/// by one Auth replica is redeemed at another. Never leaves Auth's schema.
/// </summary>
public sealed class TokenEncryptionKey
{
    public const string CurrentId = "token-encryption";

    public string Id { get; set; } = CurrentId;
    public string Key { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    public override string ToString() => $"TokenEncryptionKey {{ Id = {Id} }}";
}

/// <summary>
/// The current signing key and its predecessor. JWKS lists both, so tokens signed just before a rotation keep
/// validating until they expire. Keys live in Auth's schema so every Auth replica signs with the same ring.
/// </summary>
/// <remarks>
/// OpenIddict reads its keys from <see cref="OpenIddictServerOptions"/>; when the ring loads a different set of keys it
/// drops the cached options, so the next request signs with the new key and JWKS lists it, without a restart.
/// </remarks>
public sealed class SigningKeyRing(IDocumentStore store, TimeProvider time, IOptionsMonitorCache<OpenIddictServerOptions> serverOptions) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IReadOnlyList<(SigningKey Key, ECDsaSecurityKey Security)>? _keys;
    private SymmetricSecurityKey? _encryptionKey;
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

            _encryptionKey ??= await EncryptionKeyAsync(session, ct);
            var changed = _keys is null || !_keys.Select(k => k.Key.Id).SequenceEqual(keys.Select(k => k.Id));
            _keys = [.. keys.Select(k => (k, ToSecurityKey(k)))];
            _loadedAt = time.GetUtcNow();
            if (changed)
            {
                serverOptions.TryRemove(Options.DefaultName);
            }

            return _keys;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The keys as last loaded, for OpenIddict's options (built synchronously); loads them if nothing has yet.</summary>
    public (IReadOnlyList<(SigningKey Key, ECDsaSecurityKey Security)> Signing, SymmetricSecurityKey Encryption) Loaded()
    {
        if (_keys is null || _encryptionKey is null)
        {
            // Once per process, before the first OAuth request; the request pipeline loads them asynchronously after that.
            KeysAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        return (_keys!, _encryptionKey!);
    }

    public async Task<SigningKey> RotateAsync(CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var key = await CreateAsync(session, ct);
        _loadedAt = DateTimeOffset.MinValue;
        await KeysAsync(ct);
        return key;
    }

    private async Task<SymmetricSecurityKey> EncryptionKeyAsync(IDocumentSession session, CancellationToken ct)
    {
        var stored = await session.LoadAsync<TokenEncryptionKey>(TokenEncryptionKey.CurrentId, ct);
        if (stored is null)
        {
            try
            {
                session.Insert(new TokenEncryptionKey { Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), CreatedAt = time.GetUtcNow() });
                await session.SaveChangesAsync(ct);
            }
            catch (DocumentAlreadyExistsException)
            {
                // Another replica created it first; use theirs.
            }

            await using var fresh = store.QuerySession();
            stored = await fresh.LoadAsync<TokenEncryptionKey>(TokenEncryptionKey.CurrentId, ct);
        }

        return new SymmetricSecurityKey(Convert.FromBase64String(stored!.Key)) { KeyId = stored.Id };
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
