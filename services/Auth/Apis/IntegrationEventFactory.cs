using System.Diagnostics;
using System.Security.Claims;
using Platform.Contracts;
using Platform.Authentication;

namespace Platform.Auth.Apis;

/// <summary>The common fields of every integration event Auth publishes.</summary>
internal static class EventContext
{
    public static Guid NewEventId() => Guid.CreateVersion7();

    public static string? TraceId => Activity.Current?.TraceId.ToString();

    public static Actor ActorOf(ClaimsPrincipal user, HttpContext http) =>
        new(user.TenantOf() is { Length: > 0 } tenant ? tenant : null, user.KeyIdOf(), http.Connection.RemoteIpAddress?.ToString());
}
