using Platform.Auth.Apis;
using Platform.Authentication;
using Platform.Credentials.Scopes;

namespace Platform.Auth.People;

/// <summary>
/// Members under <c>/admin/tenants/{tenantId}</c> (that tenant's admin key or the platform admin), and platform
/// administrators, who are people of no tenant, under <c>/admin/platform</c> (the platform admin only).
/// </summary>
public static class PeopleAdminApi
{
    public static IEndpointRouteBuilder MapPeopleAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").RequireScope(Scope.Admin).WithTags("People");

        var tenant = admin.MapGroup("/tenants/{tenantId}").AddEndpointFilter(AdminApi.OwnTenantOnly);
        tenant.MapPost("/invitations", InviteMemberEndpoint.HandleAsync);
        tenant.MapGet("/members", ManageMembersEndpoints.ListAsync);
        tenant.MapDelete("/members/{personId}", ManageMembersEndpoints.RemoveAsync);
        tenant.MapPost("/members/{personId}/roles", ManageMembersEndpoints.ChangeRolesAsync);

        var platform = admin.MapGroup("/platform").RequirePlatformAdmin();
        platform.MapPost("/invitations", InviteMemberEndpoint.HandlePlatformAsync);
        platform.MapGet("/members", ManageMembersEndpoints.ListPlatformAsync);
        platform.MapDelete("/members/{personId}", ManageMembersEndpoints.RemovePlatformAsync);
        return app;
    }
}
