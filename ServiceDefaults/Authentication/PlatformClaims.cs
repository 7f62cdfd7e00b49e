using System.Security.Claims;

namespace Platform.ServiceDefaults.Authentication;

/// <summary>Claim types of an authenticated caller, the same whether it presented an API key or a JWT.</summary>
public static class PlatformClaims
{
    public const string KeyId = "sub";
    public const string Tenant = "tenant";
    public const string Scope = "scope";
    public const string ToolPattern = "tool_pattern";
    public const string CredentialKind = "credential_kind";

    public static string? KeyIdOf(this ClaimsPrincipal user) => user.FindFirst(KeyId)?.Value;

    public static string? TenantOf(this ClaimsPrincipal user) => user.FindFirst(Tenant)?.Value;

    public static IReadOnlyList<string> ScopesOf(this ClaimsPrincipal user) =>
        [.. user.FindAll(Scope).Select(c => c.Value)];

    public static IReadOnlyList<string> ToolPatternsOf(this ClaimsPrincipal user) =>
        [.. user.FindAll(ToolPattern).Select(c => c.Value)];

    /// <summary><c>admin</c> holds every other scope.</summary>
    public static bool HasScope(this ClaimsPrincipal user, string scope) =>
        user.HasClaim(Scope, scope) || user.HasClaim(Scope, Credentials.Scopes.Scope.Admin);
}
