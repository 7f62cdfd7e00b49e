using Platform.Authentication;
using Platform.ServiceDefaults.Http;
using Microsoft.Extensions.Options;

namespace Platform.ToolExecution.Mcp;

public static class McpEndpoint
{
    public const string Path = "/mcp";
    public const string MetadataPath = "/.well-known/oauth-protected-resource";

    /// <summary>RFC 9728 section 3.1: the metadata of <c>https://host/mcp</c> is at the well-known path plus <c>/mcp</c>.</summary>
    public const string PathMetadataPath = MetadataPath + Path;

    public static IEndpointRouteBuilder MapMcpEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapMcp(Path).RequireAuthorization().RequirePlatformCors();
        return app;
    }

    /// <summary>
    /// RFC 9728: tells a client that got a 401 where to obtain a token for this resource: the resource (the token
    /// audience), Auth's issuer, the scopes and header-only bearer tokens. Served at the root well-known path, which the
    /// 401 points to, and at the path-inserted one, which clients try first (MCP authorization, 2025-11-25).
    /// </summary>
    public static IEndpointRouteBuilder MapProtectedResourceMetadata(this IEndpointRouteBuilder app)
    {
        foreach (var path in (string[])[MetadataPath, PathMetadataPath])
        {
            app.MapGet(path, (HttpContext http, IOptions<McpOptions> options, IConfiguration configuration) =>
                TypedResults.Ok(new ProtectedResourceMetadata(
                    ResourceUri(http, options.Value),
                    [AuthorizationServer(configuration, http)],
                    ScopesSupported,
                    ["header"])))
                .AllowAnonymous()
                .RequirePlatformCors();
        }

        return app;
    }

    /// <summary>
    /// The scopes <c>/mcp</c> checks. A client that asks for everything listed here (the MCP SDKs do when a 401 names
    /// no scope) asks for what it needs and no more: <c>admin</c> and <c>audit:read</c> are not this resource's.
    /// </summary>
    public static readonly string[] ScopesSupported = [Credentials.Scopes.Scope.ToolsCall, Credentials.Scopes.Scope.ToolsList];

    public static string ResourceUri(HttpContext http, McpOptions options) =>
        options.ResourceUri ?? $"{http.Request.Scheme}://{http.Request.Host}{Path}";

    public static string MetadataUrl(HttpContext http, McpOptions options)
    {
        var resource = new Uri(ResourceUri(http, options));
        return $"{resource.GetLeftPart(UriPartial.Authority)}{MetadataPath}";
    }

    /// <summary>The issuer whose tokens this server accepts (<see cref="AccessTokenValidator.IssuerOf"/>).</summary>
    private static string AuthorizationServer(IConfiguration configuration, HttpContext http) =>
        AccessTokenValidator.IssuerOf(configuration) ?? $"{http.Request.Scheme}://{http.Request.Host}";

    public sealed record ProtectedResourceMetadata(
        [property: System.Text.Json.Serialization.JsonPropertyName("resource")] string Resource,
        [property: System.Text.Json.Serialization.JsonPropertyName("authorization_servers")] IReadOnlyList<string> AuthorizationServers,
        [property: System.Text.Json.Serialization.JsonPropertyName("scopes_supported")] IReadOnlyList<string> ScopesSupported,
        [property: System.Text.Json.Serialization.JsonPropertyName("bearer_methods_supported")] IReadOnlyList<string> BearerMethodsSupported);
}
