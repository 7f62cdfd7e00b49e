using Wolverine.Attributes;

namespace Platform.Contracts.Auth;

// Integration events about people and their sign-ins, published by Auth through the outbox. None carries a password,
// a hash, a TOTP secret or code, or an invitation token. TenantId is null for platform administrators.

/// <summary>Values of <see cref="SignInFailed.Reason"/>.</summary>
public static class SignInFailures
{
    /// <summary>No member has that email (the email itself is not recorded: it may be a mistyped password).</summary>
    public const string UnknownAccount = "unknown_account";
    public const string WrongPassword = "wrong_password";
    public const string WrongCode = "wrong_code";
    public const string WrongPasskey = "wrong_passkey";
    public const string LockedOut = "locked_out";
    public const string RateLimited = "rate_limited";
}

[MessageIdentity("platform.auth.member-invited.v1")]
public sealed record MemberInvited(
    Guid EventId, string PersonId, string? TenantId, string Email, string DisplayName, IReadOnlyList<string> Roles,
    string InvitationId, DateTimeOffset ExpiresAt, Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

[MessageIdentity("platform.auth.member-joined.v1")]
public sealed record MemberJoined(
    Guid EventId, string PersonId, string? TenantId, string InvitationId, Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

[MessageIdentity("platform.auth.member-roles-changed.v1")]
public sealed record MemberRolesChanged(
    Guid EventId, string PersonId, string? TenantId, IReadOnlyList<string> Roles, IReadOnlyList<string> PreviousRoles,
    Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

[MessageIdentity("platform.auth.member-removed.v1")]
public sealed record MemberRemoved(
    Guid EventId, string PersonId, string? TenantId, Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

/// <summary>A person's credentials changed: <c>password_set</c>, <c>totp_enabled</c>, <c>totp_disabled</c> or <c>passkey_added</c>.</summary>
[MessageIdentity("platform.auth.member-credential-changed.v1")]
public sealed record MemberCredentialChanged(
    Guid EventId, string PersonId, string? TenantId, string Change, Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

/// <param name="Methods">How the person proved who they are, as <c>amr</c> values: <c>pwd</c>, <c>otp</c>, <c>hwk</c> (a passkey).</param>
[MessageIdentity("platform.auth.sign-in-succeeded.v1")]
public sealed record SignInSucceeded(
    Guid EventId, string PersonId, string? TenantId, IReadOnlyList<string> Methods, Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

/// <param name="PersonId">Null when no member has the email given.</param>
/// <param name="Reason">One of <see cref="SignInFailures"/>.</param>
[MessageIdentity("platform.auth.sign-in-failed.v1")]
public sealed record SignInFailed(
    Guid EventId, string? PersonId, string? TenantId, string Reason, Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

[MessageIdentity("platform.auth.sign-in-locked-out.v1")]
public sealed record SignInLockedOut(
    Guid EventId, string PersonId, string? TenantId, DateTimeOffset Until, int Failures, Actor Actor, DateTimeOffset OccurredAt, string? TraceId);
