using System.Collections.Concurrent;

namespace Platform.Authentication;

/// <summary>
/// The deny-list that makes a locally validated JWT die with what it was issued for: an API key (its key id), a person
/// removed from their tenant (the person id) or a grant (the OAuth authorization id, <c>gid</c>). All three are
/// announced the same way (<c>revoked:&lt;id&gt;</c>, <see cref="CredentialChanges"/>) and live in one set: the id
/// formats do not overlap, and a token is refused when its <c>sub</c> or its <c>gid</c> is here. Entries only need to
/// outlive the longest token lifetime. Revocations that happened while this replica was not listening are unknown, so
/// tokens issued before the last (re)connect of the listener are refused: clients just fetch a new one.
/// </summary>
public sealed class RevokedSubjects(TimeProvider time)
{
    /// <summary>Longer than any access token lives, so a revoked subject's tokens have all expired when it is forgotten.</summary>
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(30);

    /// <summary>Tolerated clock difference between Auth (which stamps <c>iat</c>) and this replica.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);

    public DateTimeOffset Horizon { get; private set; } = DateTimeOffset.MaxValue;

    public void Revoked(string subjectId)
    {
        var now = time.GetUtcNow();
        _revoked[subjectId] = now;
        foreach (var (id, at) in _revoked)
        {
            if (now - at > Retention)
            {
                _revoked.TryRemove(id, out _);
            }
        }
    }

    public void Listening() => Horizon = time.GetUtcNow();

    /// <summary>Whether a token issued at <paramref name="issuedAt"/> for these subjects (null ones are skipped) is refused.</summary>
    public bool Denies(DateTimeOffset issuedAt, params ReadOnlySpan<string?> subjectIds)
    {
        if (issuedAt < Horizon - ClockSkew)
        {
            return true;
        }

        foreach (var id in subjectIds)
        {
            if (id is not null && _revoked.ContainsKey(id))
            {
                return true;
            }
        }

        return false;
    }
}
