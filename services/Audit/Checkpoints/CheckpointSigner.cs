using System.Security.Cryptography;
using Marten;
using JasperFx;

namespace Platform.Audit.Checkpoints;

/// <summary>
/// Holds the checkpoint signing key: <c>Audit:CheckpointSigningKey</c> (PKCS#8 PEM) when configured; in Development
/// otherwise a generated key persisted in the audit schema. Production without a configured key fails at startup
/// (see Extensions).
/// </summary>
public sealed class CheckpointSigner(IConfiguration configuration, IDocumentStore store) : IDisposable
{
    public const string ConfigurationKey = "Audit:CheckpointSigningKey";

    private readonly SemaphoreSlim _gate = new(1, 1);
    // A reference, published once under the gate, so readers never see a half-written key.
    private volatile LoadedKey? _key;

    private sealed record LoadedKey(ECDsa Key, string KeyId, ECDsa PublicKey, CheckpointKeyRing Ring);

    public async Task<AuditCheckpoint> SignAsync(long seq, string hash, DateTimeOffset at, CancellationToken ct)
    {
        var loaded = await KeyAsync(ct).ConfigureAwait(false);
        return CheckpointSignature.Sign(seq, hash, at, loaded.Key, loaded.KeyId);
    }

    public async Task<Retention.AuditErasure> SignErasureAsync(long fromSeq, long toSeq, string prevHash, string hash, DateTimeOffset at, CancellationToken ct)
    {
        var loaded = await KeyAsync(ct).ConfigureAwait(false);
        return CheckpointSignature.SignErasure(fromSeq, toSeq, prevHash, hash, at, loaded.Key, loaded.KeyId);
    }

    /// <summary>The public half with its key id; owned by the signer, so callers must not dispose it.</summary>
    public async Task<(string KeyId, ECDsa PublicKey)> PublicKeyAsync(CancellationToken ct)
    {
        var loaded = await KeyAsync(ct).ConfigureAwait(false);
        return (loaded.KeyId, loaded.PublicKey);
    }

    /// <summary>The keys this service trusts when it verifies its own chain.</summary>
    public async Task<CheckpointKeyRing> KeyRingAsync(CancellationToken ct) => (await KeyAsync(ct).ConfigureAwait(false)).Ring;

    private async Task<LoadedKey> KeyAsync(CancellationToken ct)
    {
        if (_key is { } loaded)
        {
            return loaded;
        }

        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_key is null)
            {
                var key = ECDsa.Create();
                key.ImportFromPem(configuration[ConfigurationKey] is { Length: > 0 } pem ? pem : await DevelopmentKeyPemAsync(ct).ConfigureAwait(false));
                var keyId = CheckpointSignature.KeyIdOf(key);
                var publicKey = ECDsa.Create(key.ExportParameters(includePrivateParameters: false));
                var ring = new CheckpointKeyRing();
                ring.Add(publicKey);
                _key = new LoadedKey(key, keyId, publicKey, ring);
            }

            return _key;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string> DevelopmentKeyPemAsync(CancellationToken ct)
    {
        await using (var query = store.QuerySession())
        {
            if (await query.LoadAsync<StoredCheckpointSigningKey>(StoredCheckpointSigningKey.SingletonId, ct).ConfigureAwait(false) is { } existing)
            {
                return existing.Pkcs8Pem;
            }
        }

        using var generated = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = generated.ExportPkcs8PrivateKeyPem();
        try
        {
            await using var session = store.LightweightSession();
            session.Insert(new StoredCheckpointSigningKey { Pkcs8Pem = pem });
            await session.SaveChangesAsync(ct).ConfigureAwait(false);
            return pem;
        }
        catch (DocumentAlreadyExistsException)
        {
            // Another replica generated one first; everyone signs with that one.
            await using var query = store.QuerySession();
            return (await query.LoadAsync<StoredCheckpointSigningKey>(StoredCheckpointSigningKey.SingletonId, ct).ConfigureAwait(false))!.Pkcs8Pem;
        }
    }

    public void Dispose()
    {
        _key?.Key.Dispose();
        _key?.PublicKey.Dispose();
        _gate.Dispose();
    }
}
