using Marten;
using Wolverine.Attributes;
using Integration = Platform.Contracts.Auth;

namespace Platform.Auth.Keys;

/// <summary>Scheduled at issue for the key's expiry, so the audit trail records the moment a key stopped working.</summary>
[MessageIdentity("platform.auth.expire-api-key.v1")]
public sealed record ExpireApiKey(string KeyId);

public static class ExpireApiKeyHandler
{
    public static async Task<Integration.ApiKeyExpired?> Handle(ExpireApiKey command, IQuerySession session, TimeProvider time, CancellationToken ct)
    {
        var key = await session.LoadAsync<ApiKey>(command.KeyId, ct);
        if (key is null || key.RevokedAt is not null || key.ExpiresAt is null || key.ExpiresAt > time.GetUtcNow())
        {
            return null;
        }

        return new Integration.ApiKeyExpired(Guid.CreateVersion7(), key.Id, key.TenantId, key.ExpiresAt.Value, System.Diagnostics.Activity.Current?.TraceId.ToString());
    }
}
