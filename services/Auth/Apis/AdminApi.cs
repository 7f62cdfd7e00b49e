using Marten;
using Platform.Auth.Keys;
using Platform.Auth.Tenants;
using Platform.Credentials.Scopes;
using Platform.Authentication;
using Platform.ServiceDefaults.Http;

namespace Platform.Auth.Apis;

/// <summary>
/// The admin API. The <c>admin</c> scope opens it; tenant isolation then decides which tenant's objects a caller may
/// touch: the platform admin any, a tenant's admin key only its own (<see cref="PlatformClaims.MayAccessTenant"/>).
/// Creating tenants and changing their status is the platform operator's alone.
/// </summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").RequireScope(Scope.Admin).WithTags("Admin");

        var platform = admin.MapGroup("").RequirePlatformAdmin();
        platform.MapPost("/tenants", CreateTenantEndpoint.HandleAsync);
        platform.MapPost("/tenants/{tenantId}/status", ChangeTenantStatusEndpoint.HandleAsync);

        var tenant = admin.MapGroup("/tenants/{tenantId}").AddEndpointFilter(OwnTenantOnly);
        tenant.MapGet("", GetTenantEndpoint.HandleAsync);
        tenant.MapPost("/keys", IssueApiKeyEndpoint.HandleAsync);
        tenant.MapGet("/keys", ListTenantKeysEndpoint.HandleAsync);

        var key = admin.MapGroup("/keys/{keyId}").AddEndpointFilter(OwnTenantsKeyOnly);
        key.MapGet("", GetApiKeyEndpoint.HandleAsync);
        key.MapPatch("", ChangeApiKeyEndpoint.HandleAsync);
        key.MapPost("/rotate", RotateApiKeyEndpoint.HandleAsync);
        key.MapPost("/revoke", RevokeApiKeyEndpoint.HandleAsync);
        return app;
    }

    /// <summary>Another tenant's objects answer exactly like missing ones, so a tenant cannot probe for them.</summary>
    internal static async ValueTask<object?> OwnTenantOnly(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var tenantId = context.HttpContext.GetRouteValue("tenantId") as string;
        return context.HttpContext.User.MayAccessTenant(tenantId)
            ? await next(context)
            : AdminProblems.NotFound($"Tenant '{tenantId}'");
    }

    private static async ValueTask<object?> OwnTenantsKeyOnly(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.User.IsPlatformAdmin())
        {
            return await next(context);
        }

        var keyId = http.GetRouteValue("keyId") as string ?? "";
        var key = await http.RequestServices.GetRequiredService<IQuerySession>().LoadAsync<ApiKey>(keyId, http.RequestAborted);
        return key is not null && http.User.MayAccessTenant(key.TenantId)
            ? await next(context)
            : AdminProblems.NotFound($"Key '{keyId}'");
    }
}
