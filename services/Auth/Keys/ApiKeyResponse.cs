namespace Platform.Auth.Keys;

/// <summary>What the admin API shows of a key: everything but its secret.</summary>
public sealed record ApiKeyResponse(
    string KeyId, string TenantId, string Name, IReadOnlyList<string> Scopes, IReadOnlyList<string> ToolPatterns,
    IReadOnlyList<string> IpAllowlist, DateTimeOffset? ExpiresAt, DateTimeOffset CreatedAt,
    DateTimeOffset? PreviousSecretValidUntil, DateTimeOffset? RevokedAt, string? RevocationReason, int Version,
    DateTimeOffset? LastUsedAt = null)
{
    public static ApiKeyResponse From(ApiKey k) => new(k.Id, k.TenantId, k.Name, k.Scopes, k.ToolPatterns, k.IpAllowlist,
        k.ExpiresAt, k.CreatedAt, k.PreviousSecretValidUntil, k.RevokedAt, k.RevocationReason, k.Version);
}

/// <summary>The only response that ever carries a key in plaintext: the one that issues or rotates it.</summary>
public sealed record IssuedApiKeyResponse(string Key, ApiKeyResponse ApiKey);
