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
    private (ECDsa Key, string KeyId)? _key;

    public async Task<AuditCheckpoint> SignAsync(long seq, string hash, DateTimeOffset at, CancellationToken ct)
    {
        var (key, keyId) = await KeyAsync(ct).ConfigureAwait(false);
        return CheckpointSignature.Sign(seq, hash, at, key, keyId);
    }

    /// <summary>The public half, as SubjectPublicKeyInfo PEM, with its key id.</summary>
    public async Task<(string KeyId, ECDsa PublicKey)> PublicKeyAsync(CancellationToken ct)
    {
        var (key, keyId) = await KeyAsync(ct).ConfigureAwait(false);
        var publicKey = ECDsa.Create(key.ExportParameters(includePrivateParameters: false));
        return (keyId, publicKey);
    }

    public async Task<CheckpointKeyRing> KeyRingAsync(CancellationToken ct)
    {
        var ring = new CheckpointKeyRing();
        ring.Add((await PublicKeyAsync(ct).ConfigureAwait(false)).PublicKey);
        return ring;
    }

    private async Task<(ECDsa Key, string KeyId)> KeyAsync(CancellationToken ct)
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
                _key = (key, CheckpointSignature.KeyIdOf(key));
            }

            return _key.Value;
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
        _gate.Dispose();
    }
}
