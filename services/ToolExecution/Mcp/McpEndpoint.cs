using Microsoft.Extensions.Options;

namespace Platform.ToolExecution.Mcp;

public static class McpEndpoint
{
    public const string Path = "/mcp";
    public const string MetadataPath = "/.well-known/oauth-protected-resource";

    public static IEndpointRouteBuilder MapMcpEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapMcp(Path).RequireAuthorization();
        return app;
    }

    /// <summary>RFC 9728: tells a client that got a 401 where to obtain a token for this resource.</summary>
    public static IEndpointRouteBuilder MapProtectedResourceMetadata(this IEndpointRouteBuilder app)
    {
        app.MapGet(MetadataPath, (HttpContext http, IOptions<McpOptions> options, IConfiguration configuration) =>
            TypedResults.Ok(new ProtectedResourceMetadata(
                ResourceUri(http, options.Value),
                [AuthorizationServer(configuration, http)],
                Credentials.Scopes.Scope.All.Order(StringComparer.Ordinal).ToArray(),
                ["header"])))
            .AllowAnonymous();
        return app;
    }

    public static string ResourceUri(HttpContext http, McpOptions options) =>
        options.ResourceUri ?? $"{http.Request.Scheme}://{http.Request.Host}{Path}";

    public static string MetadataUrl(HttpContext http, McpOptions options)
    {
        var resource = new Uri(ResourceUri(http, options));
        return $"{resource.GetLeftPart(UriPartial.Authority)}{MetadataPath}";
    }

    /// <summary>Auth's public URL; under the AppHost it is Aspire's <c>services__auth__http__0</c>.</summary>
    private static string AuthorizationServer(IConfiguration configuration, HttpContext http) =>
        configuration["Mcp:AuthorizationServer"] ?? configuration["services:auth:http:0"] ?? $"{http.Request.Scheme}://{http.Request.Host}";

    public sealed record ProtectedResourceMetadata(
        [property: System.Text.Json.Serialization.JsonPropertyName("resource")] string Resource,
        [property: System.Text.Json.Serialization.JsonPropertyName("authorization_servers")] IReadOnlyList<string> AuthorizationServers,
        [property: System.Text.Json.Serialization.JsonPropertyName("scopes_supported")] IReadOnlyList<string> ScopesSupported,
        [property: System.Text.Json.Serialization.JsonPropertyName("bearer_methods_supported")] IReadOnlyList<string> BearerMethodsSupported);
}
