namespace Platform.Contracts;

/// <summary>Who caused an event. Any part may be unknown, e.g. the client IP of a scheduled expiry.</summary>
public sealed record Actor(string? TenantId, string? KeyId, string? ClientIp)
{
    public static Actor System { get; } = new(null, "system", null);
}
