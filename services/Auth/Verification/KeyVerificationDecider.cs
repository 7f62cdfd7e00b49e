using System.Net;
using Platform.Auth.Keys;
using Platform.Auth.Tenants;
using Platform.Contracts.Auth;
using Platform.Credentials.ApiKeys;
using Platform.Credentials.Network;

namespace Platform.Auth.Verification;

/// <summary>
/// The verification rules as one pure function: given what the store returned, which answer is right. The order
/// matters: a wrong secret answers NOT_FOUND (never revealing that the key id exists), and only the holder of the
/// right secret learns that the key is revoked or expired.
/// </summary>
public static class KeyVerificationDecider
{
    public static string Decide(ParsedApiKey presented, ApiKey? key, Tenant? tenant, IPAddress? clientIp, DateTimeOffset now, SecretHasher hasher)
    {
        if (key is null || !SecretMatches(presented.Secret, key, now, hasher))
        {
            return VerificationStatus.NotFound;
        }

        if (key.RevokedAt is not null)
        {
            return VerificationStatus.Revoked;
        }

        if (key.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            return VerificationStatus.Expired;
        }

        if (tenant is null || !TenantStatus.AllowsKeys(tenant.Status))
        {
            return VerificationStatus.TenantInactive;
        }

        if (key.IpAllowlist.Count > 0 && !IpAllowed(key.IpAllowlist, clientIp))
        {
            return VerificationStatus.IpNotAllowed;
        }

        return VerificationStatus.Valid;
    }

    /// <summary>
    /// When a valid answer for this secret lapses on its own: the key's expiry, and for a rotated-out secret also the
    /// end of its grace period. Null when only a revocation (which caches hear about) can end it.
    /// </summary>
    public static DateTimeOffset? ValidUntil(ParsedApiKey presented, ApiKey key, SecretHasher hasher)
    {
        var graceEnd = hasher.Verify(presented.Secret, key.Secret) ? null : key.PreviousSecretValidUntil;
        return (key.ExpiresAt, graceEnd) switch
        {
            ({ } expires, { } grace) => expires < grace ? expires : grace,
            (var expires, var grace) => expires ?? grace,
        };
    }

    private static bool SecretMatches(string secret, ApiKey key, DateTimeOffset now, SecretHasher hasher)
    {
        if (hasher.Verify(secret, key.Secret))
        {
            return true;
        }

        // After a rotation the previous secret keeps working until its grace period ends.
        return key.PreviousSecret is { } previous
            && key.PreviousSecretValidUntil is { } until
            && now < until
            && hasher.Verify(secret, previous);
    }

    private static bool IpAllowed(IReadOnlyList<string> allowlist, IPAddress? clientIp)
    {
        if (clientIp is null)
        {
            return false;
        }

        var ranges = new List<CidrRange>(allowlist.Count);
        foreach (var entry in allowlist)
        {
            if (CidrRange.TryParse(entry, out var range))
            {
                ranges.Add(range);
            }
        }

        return IpAllowlist.Allows(ranges, clientIp);
    }
}
