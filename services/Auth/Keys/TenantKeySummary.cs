using Marten.Events.Projections;

namespace Platform.Auth.Keys;

/// <summary>How many keys a tenant has issued and revoked; a read model kept by the async daemon.</summary>
public sealed class TenantKeySummary
{
    public string Id { get; set; } = "";
    public int Issued { get; set; }
    public int Revoked { get; set; }
    public int Active => Issued - Revoked;
}

/// <summary>
/// Runs asynchronously (it is a dashboard figure, not a decision input), so it also proves that the async daemon
/// actually gets its advisory lock with the DistributedLock stand-in.
/// </summary>
public sealed partial class TenantKeySummaryProjection : MultiStreamProjection<TenantKeySummary, string>
{
    public TenantKeySummaryProjection()
    {
        Identity<ApiKeyIssued>(e => e.TenantId);
        Identity<ApiKeyRevoked>(e => e.TenantId);
    }

    public static void Apply(TenantKeySummary summary, ApiKeyIssued _) => summary.Issued++;

    public static void Apply(TenantKeySummary summary, ApiKeyRevoked _) => summary.Revoked++;
}
