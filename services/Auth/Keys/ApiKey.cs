using Platform.Credentials.ApiKeys;

namespace Platform.Auth.Keys;

// Domain events of one key's stream. The secret never enters an event: only its peppered HMAC does.
public sealed record ApiKeyIssued(
    string KeyId, string TenantId, string Name, IReadOnlyList<string> Scopes, IReadOnlyList<string> ToolPatterns,
    IReadOnlyList<string> IpAllowlist, DateTimeOffset? ExpiresAt, HashedSecret Secret, string IssuedBy, DateTimeOffset At);

public sealed record ApiKeyRotated(string KeyId, HashedSecret Secret, DateTimeOffset PreviousSecretValidUntil, string RotatedBy, DateTimeOffset At);

public sealed record ApiKeyRevoked(string KeyId, string TenantId, string Reason, string RevokedBy, DateTimeOffset At);

public sealed record ApiKeyScopesChanged(string KeyId, IReadOnlyList<string> Scopes, IReadOnlyList<string> ToolPatterns, string ChangedBy, DateTimeOffset At);

public sealed record ApiKeyIpAllowlistChanged(string KeyId, IReadOnlyList<string> IpAllowlist, string ChangedBy, DateTimeOffset At);

/// <summary>An API key, rebuilt from its stream. Its id is the public key id embedded in the key itself.</summary>
public sealed class ApiKey
{
    public string Id { get; set; } = "";
    public int Version { get; set; }
    public string TenantId { get; set; } = "";
    public string Name { get; set; } = "";
    public IReadOnlyList<string> Scopes { get; set; } = [];
    public IReadOnlyList<string> ToolPatterns { get; set; } = [];
    public IReadOnlyList<string> IpAllowlist { get; set; } = [];
    public DateTimeOffset? ExpiresAt { get; set; }
    public HashedSecret Secret { get; set; } = new("", "");
    public HashedSecret? PreviousSecret { get; set; }
    public DateTimeOffset? PreviousSecretValidUntil { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevocationReason { get; set; }

    public static ApiKey Create(ApiKeyIssued e) => new()
    {
        Id = e.KeyId,
        TenantId = e.TenantId,
        Name = e.Name,
        Scopes = e.Scopes,
        ToolPatterns = e.ToolPatterns,
        IpAllowlist = e.IpAllowlist,
        ExpiresAt = e.ExpiresAt,
        Secret = e.Secret,
        CreatedAt = e.At,
    };

    public void Apply(ApiKeyRotated e)
    {
        PreviousSecret = Secret;
        PreviousSecretValidUntil = e.PreviousSecretValidUntil;
        Secret = e.Secret;
    }

    public void Apply(ApiKeyRevoked e)
    {
        RevokedAt = e.At;
        RevocationReason = e.Reason;
    }

    public void Apply(ApiKeyScopesChanged e)
    {
        Scopes = e.Scopes;
        ToolPatterns = e.ToolPatterns;
    }

    public void Apply(ApiKeyIpAllowlistChanged e) => IpAllowlist = e.IpAllowlist;
}
