using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Platform.Audit.Retention;

namespace Platform.Audit.Checkpoints;

/// <summary>The canonical bytes of a checkpoint and its signature check; shared by the writer and both verifiers.</summary>
public static class CheckpointSignature
{
    public const string Algorithm = "ES256";

    /// <summary>
    /// UTF-8 of <c>platform-audit-checkpoint/v1\n{seq}\n{hash}\n{at}</c>: seq in decimal, hash as lowercase hex,
    /// at as <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c> (UTC). No trailing newline.
    /// </summary>
    public static byte[] CanonicalBytes(long seq, string hash, DateTimeOffset at) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"platform-audit-checkpoint/v1\n{seq}\n{hash}\n{FormatAt(at)}"));

    public const string AtFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static string FormatAt(DateTimeOffset at) => at.UtcDateTime.ToString(AtFormat, CultureInfo.InvariantCulture);

    /// <summary>Truncated to microseconds, as PostgreSQL stores it, so a checkpoint read back verifies.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return utc.AddTicks(-(utc.Ticks % 10));
    }

    public static AuditCheckpoint Sign(long seq, string hash, DateTimeOffset at, ECDsa key, string keyId)
    {
        at = Truncate(at);
        var signature = key.SignData(CanonicalBytes(seq, hash, at), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new AuditCheckpoint(seq, hash, at, keyId, Convert.ToBase64String(signature));
    }

    public static bool IsValid(AuditCheckpoint checkpoint, ECDsa publicKey) =>
        IsValidSignature(checkpoint.Signature, CanonicalBytes(checkpoint.Seq, checkpoint.Hash, checkpoint.At), publicKey);

    /// <summary>
    /// UTF-8 of <c>platform-audit-erasure/v1\n{fromSeq}\n{toSeq}\n{prevHash}\n{hash}\n{at}</c>, formatted as in
    /// <see cref="CanonicalBytes"/>. Its own first line, so a checkpoint's signature can never pass for an erasure's.
    /// </summary>
    public static byte[] ErasureBytes(long fromSeq, long toSeq, string prevHash, string hash, DateTimeOffset at) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"platform-audit-erasure/v1\n{fromSeq}\n{toSeq}\n{prevHash}\n{hash}\n{FormatAt(at)}"));

    public static AuditErasure SignErasure(long fromSeq, long toSeq, string prevHash, string hash, DateTimeOffset at, ECDsa key, string keyId)
    {
        at = Truncate(at);
        var signature = key.SignData(ErasureBytes(fromSeq, toSeq, prevHash, hash, at), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new AuditErasure(fromSeq, toSeq, prevHash, hash, at, keyId, Convert.ToBase64String(signature));
    }

    public static bool IsValid(AuditErasure erasure, ECDsa publicKey) =>
        IsValidSignature(erasure.Signature, ErasureBytes(erasure.FromSeq, erasure.ToSeq, erasure.PrevHash, erasure.Hash, erasure.At), publicKey);

    private static bool IsValidSignature(string base64, byte[] data, ECDsa publicKey)
    {
        Span<byte> signature = stackalloc byte[64];
        return Convert.TryFromBase64String(base64, signature, out var written) && written == 64
            && publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>Key id: the first 16 hex digits of SHA-256 over the public key's SubjectPublicKeyInfo (DER).</summary>
    public static string KeyIdOf(ECDsa key) =>
        Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
}

/// <summary>Public keys by key id; what a verifier trusts.</summary>
public sealed class CheckpointKeyRing
{
    private readonly Dictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);

    public static CheckpointKeyRing FromPem(params string[] publicKeyPems)
    {
        var ring = new CheckpointKeyRing();
        foreach (var pem in publicKeyPems)
        {
            var key = ECDsa.Create();
            key.ImportFromPem(pem);
            ring.Add(key);
        }

        return ring;
    }

    public void Add(ECDsa publicKey) => _keys[CheckpointSignature.KeyIdOf(publicKey)] = publicKey;

    public bool IsValid(AuditCheckpoint checkpoint) =>
        _keys.TryGetValue(checkpoint.KeyId, out var key) && CheckpointSignature.IsValid(checkpoint, key);

    public bool IsValid(AuditErasure erasure) =>
        _keys.TryGetValue(erasure.KeyId, out var key) && CheckpointSignature.IsValid(erasure, key);
}
