namespace Platform.Contracts;

/// <summary>
/// Who caused an event. Any part may be unknown, e.g. the client IP of a scheduled expiry. A person acting through an
/// OAuth client is named by <paramref name="PersonId"/> and <paramref name="ClientId"/>; a machine by its key id.
/// </summary>
public sealed record Actor(string? TenantId, string? KeyId, string? ClientIp, string? PersonId = null, string? ClientId = null)
{
    public static Actor System { get; } = new(null, "system", null);
}
