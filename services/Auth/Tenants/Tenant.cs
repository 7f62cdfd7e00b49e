namespace Platform.Auth.Tenants;

public static class TenantStatus
{
    public const string Active = "active";
    public const string Trialing = "trialing";
    public const string PastDue = "past_due";
    public const string Canceled = "canceled";

    public static IReadOnlyList<string> All { get; } = [Active, Trialing, PastDue, Canceled];

    /// <summary>Keys work only while their tenant is active or trialing.</summary>
    public static bool AllowsKeys(string status) => status is Active or Trialing;
}

// Domain events of a tenant's stream.
public sealed record TenantCreated(string TenantId, string Name, string Plan, string Status, DateTimeOffset At);

public sealed record TenantStatusChanged(string TenantId, string Status, string? Reason, DateTimeOffset At);

/// <summary>A tenant, rebuilt from its own event stream (one stream per tenant, keyed by tenant id).</summary>
public sealed class Tenant
{
    public string Id { get; set; } = "";
    public int Version { get; set; }
    public string Name { get; set; } = "";
    public string Plan { get; set; } = "";
    public string Status { get; set; } = TenantStatus.Active;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public static Tenant Create(TenantCreated e) => new()
    {
        Id = e.TenantId,
        Name = e.Name,
        Plan = e.Plan,
        Status = e.Status,
        CreatedAt = e.At,
        UpdatedAt = e.At,
    };

    public void Apply(TenantStatusChanged e)
    {
        Status = e.Status;
        UpdatedAt = e.At;
    }
}
