using System.Collections.Concurrent;

namespace Platform.Authentication;

/// <summary>
/// The deny-list that makes a locally validated JWT die with its key. Fed by revocation notifications; entries only
/// need to outlive the longest token lifetime. Revocations that happened while this replica was not listening are
/// unknown, so tokens issued before the last (re)connect of the listener are refused: clients just fetch a new one.
/// </summary>
public sealed class RevokedKeys(TimeProvider time)
{
    /// <summary>Longer than any access token lives, so a revoked key's tokens have all expired when it is forgotten.</summary>
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(30);

    /// <summary>Tolerated clock difference between Auth (which stamps <c>iat</c>) and this replica.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);

    public DateTimeOffset Horizon { get; private set; } = DateTimeOffset.MaxValue;

    public void Revoked(string keyId)
    {
        var now = time.GetUtcNow();
        _revoked[keyId] = now;
        foreach (var (id, at) in _revoked)
        {
            if (now - at > Retention)
            {
                _revoked.TryRemove(id, out _);
            }
        }
    }

    public void Listening() => Horizon = time.GetUtcNow();

    public bool Denies(string keyId, DateTimeOffset issuedAt) =>
        _revoked.ContainsKey(keyId) || issuedAt < Horizon - ClockSkew;
}
