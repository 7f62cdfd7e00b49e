namespace Platform.Audit.Retention;

/// <summary>
/// How long a tenant's audit records are kept, as its plan said in the <c>tenant.created</c> event Audit consumed.
/// Audit keeps its own copy because it must not read Auth's schema.
/// </summary>
public sealed class TenantRetention
{
    public string Id { get; set; } = "";
    public string Plan { get; set; } = "";

    /// <summary>Null when the event did not carry it; the default retention then applies.</summary>
    public int? Days { get; set; }
}
