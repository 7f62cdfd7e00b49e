using Platform.Auth.Keys;
using Platform.Auth.Tenants;
using Platform.Credentials.Scopes;
using Platform.ServiceDefaults.Authentication;

namespace Platform.Auth.Apis;

public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").RequireScope(Scope.Admin).WithTags("Admin");

        admin.MapPost("/tenants", CreateTenantEndpoint.HandleAsync);
        admin.MapGet("/tenants/{tenantId}", GetTenantEndpoint.HandleAsync);
        admin.MapPost("/tenants/{tenantId}/status", ChangeTenantStatusEndpoint.HandleAsync);
        admin.MapPost("/tenants/{tenantId}/keys", IssueApiKeyEndpoint.HandleAsync);
        admin.MapGet("/tenants/{tenantId}/keys", ListTenantKeysEndpoint.HandleAsync);
        admin.MapGet("/keys/{keyId}", GetApiKeyEndpoint.HandleAsync);
        admin.MapPatch("/keys/{keyId}", ChangeApiKeyEndpoint.HandleAsync);
        admin.MapPost("/keys/{keyId}/rotate", RotateApiKeyEndpoint.HandleAsync);
        admin.MapPost("/keys/{keyId}/revoke", RevokeApiKeyEndpoint.HandleAsync);
        return app;
    }
}
