using System.Security.Claims;

namespace Platform.Authentication;

/// <summary>Claim types of an authenticated caller, the same whether it presented an API key or a JWT.</summary>
public static class PlatformClaims
{
    public const string KeyId = "sub";
    public const string Tenant = "tenant";
    public const string Scope = "scope";
    public const string ToolPattern = "tool_pattern";
    public const string CredentialKind = "credential_kind";

    /// <summary>The OAuth client a token was issued to (RFC 9068); for <c>client_credentials</c>, the key id.</summary>
    public const string ClientId = "client_id";

    /// <summary>The grant (OpenIddict authorization) a person's token belongs to; revoking it kills every token of it.</summary>
    public const string GrantId = "gid";

    /// <summary><c>person</c> when <c>sub</c> is a member's person id, <c>key</c> when it is an API key id.</summary>
    public const string SubjectKind = "sub_kind";

    public static string? KeyIdOf(this ClaimsPrincipal user) => user.FindFirst(KeyId)?.Value;

    public static string? TenantOf(this ClaimsPrincipal user) => user.FindFirst(Tenant)?.Value;

    public static IReadOnlyList<string> ScopesOf(this ClaimsPrincipal user) =>
        [.. user.FindAll(Scope).Select(c => c.Value)];

    public static IReadOnlyList<string> ToolPatternsOf(this ClaimsPrincipal user) =>
        [.. user.FindAll(ToolPattern).Select(c => c.Value)];

    /// <summary>
    /// The platform operator: the <c>admin</c> scope without a tenant (the bootstrap admin key carries an empty tenant
    /// claim). A tenant's own admin key holds the same scope but stays inside its tenant.
    /// </summary>
    public static bool IsPlatformAdmin(this ClaimsPrincipal user) =>
        user.HasClaim(Scope, Credentials.Scopes.Scope.Admin) && string.IsNullOrEmpty(user.TenantOf());

    /// <summary>The one tenant-isolation rule: the platform admin may act on any tenant, every other key on its own.</summary>
    public static bool MayAccessTenant(this ClaimsPrincipal user, string? tenantId) =>
        user.IsPlatformAdmin() || (!string.IsNullOrEmpty(tenantId) && user.TenantOf() == tenantId);

    /// <summary><c>admin</c> holds every other scope.</summary>
    public static bool HasScope(this ClaimsPrincipal user, string scope) =>
        user.HasClaim(Scope, scope) || user.HasClaim(Scope, Credentials.Scopes.Scope.Admin);
}
