using System.Security.Cryptography;
using System.Text;

namespace Platform.Auth.People;

/// <summary>
/// A pending invitation, found by the SHA-256 of its link's token: the token itself is shown once, in the admin API's
/// answer, and stored nowhere. Marked accepted, so a link works once and a second use is told so.
/// </summary>
public sealed class Invitation
{
    /// <summary>Lower-case hex SHA-256 of the token.</summary>
    public string Id { get; set; } = "";
    public string InvitationId { get; set; } = "";
    public string PersonId { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? AcceptedAt { get; set; }
}

public static class InvitationToken
{
    /// <summary>256 random bits, base64url: the part of the link that is the secret.</summary>
    public static string New() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Cheap shape check before any database read: 43 base64url characters.</summary>
    public static bool LooksValid(string? token) =>
        token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// A person's secrets, outside the event stream so that a change really replaces them. The TOTP secrets are
/// encrypted with ASP.NET Core Data Protection (keys in Auth's schema, shared by every replica).
/// </summary>
public sealed class PersonCredentials
{
    public string Id { get; set; } = "";

    /// <summary>Argon2id PHC string (<see cref="PasswordHasher"/>).</summary>
    public string? PasswordHash { get; set; }

    public string? TotpSecret { get; set; }

    /// <summary>A secret shown for enrolment and not yet confirmed with a code.</summary>
    public string? PendingTotpSecret { get; set; }

    /// <summary>The last TOTP time step accepted; a code of that step or an earlier one is refused (no replay).</summary>
    public long LastTotpStep { get; set; }
}
