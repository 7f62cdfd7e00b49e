namespace Platform.Auth.People;

/// <summary>What the admin API shows of a person: no credential, only whether one is set.</summary>
public sealed record MemberResponse(
    string PersonId, string? TenantId, string Email, string DisplayName, IReadOnlyList<string> Roles, string Status,
    DateTimeOffset InvitedAt, DateTimeOffset? JoinedAt, DateTimeOffset? LastSignInAt, bool HasPassword, bool TotpEnabled,
    DateTimeOffset? LockedUntil, int Version)
{
    public static MemberResponse From(Member m) => new(m.Id, m.TenantId, m.Email, m.DisplayName, m.Roles,
        m.RemovedAt is not null ? "removed" : m.JoinedAt is not null ? "active" : "invited",
        m.InvitedAt, m.JoinedAt, m.LastSignInAt, m.HasPassword, m.TotpEnabled, m.LockedUntil, m.Version);
}

/// <summary>
/// The only answer that carries an invitation link: the token in <see cref="Url"/> is stored nowhere (only its SHA-256),
/// so the admin hands it to the person now or invites again.
/// </summary>
public sealed record InvitationResponse(string InvitationId, string PersonId, string Url, DateTimeOffset ExpiresAt);
