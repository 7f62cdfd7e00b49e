using Npgsql;

namespace Platform.Authentication;

/// <summary>
/// The broadcast path for cache evictions. A Wolverine queue delivers each message to one replica only, but every
/// ToolExecution and Audit replica caches verifications, so Auth raises a PostgreSQL NOTIFY right after the change
/// commits and every listener hears it. If Auth dies between commit and notify, the cache TTL is the safety net.
/// </summary>
public static class CredentialChanges
{
    public const string Channel = "platform_credential_changes";
    private const string KeyPrefix = "key:";
    private const string TenantPrefix = "tenant:";
    private const string RevokedPrefix = "revoked:";

    public static Task NotifyKeyChangedAsync(NpgsqlDataSource dataSource, string keyId) => NotifyAsync(dataSource, KeyPrefix + keyId);

    /// <summary>Also puts the key on every replica's JWT deny-list.</summary>
    public static Task NotifyKeyRevokedAsync(NpgsqlDataSource dataSource, string keyId) => NotifyRevokedAsync(dataSource, keyId);

    /// <summary>
    /// Puts a subject on every replica's JWT deny-list (<see cref="RevokedSubjects"/>): a revoked grant (its <c>gid</c>)
    /// or a removed member (their person id). Tokens whose <c>sub</c> or <c>gid</c> it is are refused from then on.
    /// </summary>
    public static Task NotifyRevokedAsync(NpgsqlDataSource dataSource, string subjectId) => NotifyAsync(dataSource, RevokedPrefix + subjectId);

    public static Task NotifyTenantChangedAsync(NpgsqlDataSource dataSource, string tenantId) => NotifyAsync(dataSource, TenantPrefix + tenantId);

    private static async Task NotifyAsync(NpgsqlDataSource dataSource, string payload)
    {
        await using var command = dataSource.CreateCommand("select pg_notify($1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = Channel });
        command.Parameters.Add(new NpgsqlParameter { Value = payload });
        // Not the request's token: a change that committed must still be announced if the client hung up.
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>Applies one notification payload to the cache.</summary>
    public static void Apply(CachingHttpCredentialVerifier cache, RevokedSubjects revoked, string payload)
    {
        if (payload.StartsWith(RevokedPrefix, StringComparison.Ordinal))
        {
            var subjectId = payload[RevokedPrefix.Length..];
            revoked.Revoked(subjectId);
            // A key's cached verifications go with it; for a grant or a person id this finds nothing to evict.
            cache.Evict(subjectId);
        }
        else if (payload.StartsWith(KeyPrefix, StringComparison.Ordinal))
        {
            cache.Evict(payload[KeyPrefix.Length..]);
        }
        else
        {
            // A tenant's keys are not indexed by tenant here; a tenant status change is rare, so drop everything.
            cache.EvictAll();
        }
    }
}
