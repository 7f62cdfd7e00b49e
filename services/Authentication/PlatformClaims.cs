using System.Security.Claims;

namespace Platform.Authentication;

/// <summary>Claim types of an authenticated caller, the same whether it presented an API key or a JWT.</summary>
public static class PlatformClaims
{
    /// <summary>The subject: an API key id, or a person id when <see cref="SubjectKind"/> is <c>person</c>.</summary>
    public const string Subject = "sub";

    /// <summary>The same claim as <see cref="Subject"/>; read it through <see cref="KeyIdOf"/>, which knows the kind.</summary>
    public const string KeyId = Subject;
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

    /// <summary>Values of <see cref="SubjectKind"/>.</summary>
    public static class SubjectKinds
    {
        public const string Person = "person";
        public const string Key = "key";
    }

    /// <summary>The API key the caller presented or its token was issued for; null for a person (a person has no key).</summary>
    public static string? KeyIdOf(this ClaimsPrincipal user) =>
        user.SubjectKindOf() == SubjectKinds.Key ? user.FindFirst(Subject)?.Value : null;

    /// <summary>The person a token was issued to; null for a key.</summary>
    public static string? PersonIdOf(this ClaimsPrincipal user) =>
        user.SubjectKindOf() == SubjectKinds.Person ? user.FindFirst(Subject)?.Value : null;

    /// <summary>Who acts, whatever its kind: the partition of per-caller rate limits (person and key ids never overlap).</summary>
    public static string? SubjectOf(this ClaimsPrincipal user) => user.FindFirst(Subject)?.Value;

    /// <summary><c>person</c> or <c>key</c>; a principal without the claim is a key's (every principal before people).</summary>
    public static string SubjectKindOf(this ClaimsPrincipal user) => user.FindFirst(SubjectKind)?.Value ?? SubjectKinds.Key;

    public static string? ClientIdOf(this ClaimsPrincipal user) => user.FindFirst(ClientId)?.Value;

    public static string? GrantIdOf(this ClaimsPrincipal user) => user.FindFirst(GrantId)?.Value;

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
