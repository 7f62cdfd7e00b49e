namespace Platform.Auth.People;

// Domain events of one person's stream (keyed by person id). No password, hash, TOTP secret or invitation token ever
// enters an event: credentials live in PersonCredentials and invitations in Invitation documents, which are
// overwritten or deleted when they change, while events stay forever.

/// <param name="TenantId">Null for a platform administrator, who belongs to no tenant.</param>
public sealed record MemberInvited(
    string PersonId, string? TenantId, string Email, string DisplayName, IReadOnlyList<string> Roles,
    string InvitationId, DateTimeOffset ExpiresAt, string InvitedBy, DateTimeOffset At);

public sealed record InvitationAccepted(string PersonId, string InvitationId, DateTimeOffset At);

public sealed record PasswordSet(string PersonId, DateTimeOffset At);

public sealed record TotpEnabled(string PersonId, DateTimeOffset At);

/// <param name="CredentialId">The passkey's public credential id (base64url), not a secret.</param>
public sealed record PasskeyAdded(string PersonId, string CredentialId, DateTimeOffset At);

public sealed record TotpDisabled(string PersonId, string By, DateTimeOffset At);

public sealed record MemberRolesChanged(string PersonId, IReadOnlyList<string> Roles, string ChangedBy, DateTimeOffset At);

public sealed record MemberRemoved(string PersonId, string RemovedBy, DateTimeOffset At);

/// <param name="Reason">One of <see cref="Platform.Contracts.Auth.SignInFailures"/>.</param>
public sealed record SignInFailed(string PersonId, string Reason, DateTimeOffset At);

public sealed record SignInSucceeded(string PersonId, IReadOnlyList<string> Methods, DateTimeOffset At);

public sealed record SignInLockedOut(string PersonId, DateTimeOffset Until, int Failures, DateTimeOffset At);

/// <summary>A tenant member or platform administrator, rebuilt from its stream.</summary>
public sealed class Member
{
    public string Id { get; set; } = "";
    public int Version { get; set; }

    /// <summary>Null for a platform administrator.</summary>
    public string? TenantId { get; set; }

    /// <summary>Lower-case; unique among the current members of one tenant (see <see cref="EmailKey"/>).</summary>
    public string Email { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public IReadOnlyList<string> Roles { get; set; } = [];
    public string InvitationId { get; set; } = "";
    public DateTimeOffset InvitedAt { get; set; }
    public DateTimeOffset InvitationExpiresAt { get; set; }
    public DateTimeOffset? JoinedAt { get; set; }
    public DateTimeOffset? RemovedAt { get; set; }
    public bool HasPassword { get; set; }
    public bool TotpEnabled { get; set; }
    public int Passkeys { get; set; }

    /// <summary>Failed sign-ins since the last success; reset by a success.</summary>
    public int ConsecutiveFailures { get; set; }

    /// <summary>Lockouts since the last success; each doubles the next one's length.</summary>
    public int Lockouts { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
    public DateTimeOffset? LastSignInAt { get; set; }

    /// <summary>Changes when credentials, roles or membership change; a browser session issued before is refused.</summary>
    public int SessionStamp { get; set; }

    /// <summary>
    /// What the unique index holds: tenant and email while the person is a member, null once removed (PostgreSQL's
    /// unique indexes ignore nulls), so a removed person can be invited again.
    /// </summary>
    public string? EmailKey { get; set; }

    public bool IsPlatformAdministrator => TenantId is null;

    public bool IsActive => JoinedAt is not null && RemovedAt is null;

    public static string EmailKeyOf(string? tenantId, string email) => (tenantId ?? "") + "|" + email;

    public static Member Create(MemberInvited e) => new()
    {
        Id = e.PersonId,
        TenantId = e.TenantId,
        Email = e.Email,
        DisplayName = e.DisplayName,
        Roles = e.Roles,
        InvitationId = e.InvitationId,
        InvitedAt = e.At,
        InvitationExpiresAt = e.ExpiresAt,
        EmailKey = EmailKeyOf(e.TenantId, e.Email),
    };

    public void Apply(InvitationAccepted e) => JoinedAt = e.At;

    public void Apply(PasswordSet _)
    {
        HasPassword = true;
        SessionStamp++;
    }

    public void Apply(TotpEnabled _)
    {
        TotpEnabled = true;
        SessionStamp++;
    }

    public void Apply(TotpDisabled _)
    {
        TotpEnabled = false;
        SessionStamp++;
    }

    // Adding a passkey adds a way in without weakening the others, so other sessions stay.
    public void Apply(PasskeyAdded _) => Passkeys++;

    public void Apply(MemberRolesChanged e)
    {
        Roles = e.Roles;
        SessionStamp++;
    }

    public void Apply(MemberRemoved e)
    {
        RemovedAt = e.At;
        EmailKey = null;
        SessionStamp++;
    }

    public void Apply(SignInFailed _)
    {
        ConsecutiveFailures++;
    }

    public void Apply(SignInLockedOut e)
    {
        LockedUntil = e.Until;
        Lockouts++;
        ConsecutiveFailures = 0;
    }

    public void Apply(SignInSucceeded e)
    {
        LastSignInAt = e.At;
        ConsecutiveFailures = 0;
        Lockouts = 0;
        LockedUntil = null;
    }
}
