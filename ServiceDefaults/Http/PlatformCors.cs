using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Platform.ServiceDefaults.Http;

/// <summary>Bound from the <c>Cors</c> configuration section (<c>Cors__AllowedOrigins__0=https://app.example</c>).</summary>
public sealed class PlatformCorsOptions
{
    public const string Section = "Cors";

    /// <summary>
    /// Browser origins (scheme, host and port, e.g. <c>https://app.example</c>) of MCP clients that run in a web page.
    /// Default none. The same list decides which <c>Origin</c> may call <c>/mcp</c> at all (DNS-rebinding defence).
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    public bool Allows(string origin) =>
        AllowedOrigins.Exists(allowed => string.Equals(allowed.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// CORS for browser-based MCP clients, on the few endpoints they need and on no other: ToolExecution's <c>/mcp</c> and
/// RFC 9728 metadata, and Auth's token, registration, metadata and JWKS endpoints (docs/oauth.md, "CORS"). One
/// policy, one origin list; an endpoint opts in with <see cref="RequirePlatformCors"/>, or, for endpoints that are not
/// routed (an authorization server's pass-through endpoints are handled before endpoint routing), by path with
/// <see cref="UsePlatformCors"/>. No credentials mode: these endpoints take bearer tokens or form posts, never cookies.
/// </summary>
public static class PlatformCors
{
    public const string PolicyName = "platform-browser-clients";

    /// <summary>What an MCP client sends beyond the CORS-safelisted headers (MCP Streamable HTTP, RFC 6750).</summary>
    public static readonly string[] AllowedHeaders = ["Authorization", "Content-Type", "Mcp-Protocol-Version", "Mcp-Session-Id", "Last-Event-ID"];

    /// <summary>What a browser client must read: the challenge (RFC 6750, RFC 9728 discovery, step-up) and the session.</summary>
    public static readonly string[] ExposedHeaders = ["WWW-Authenticate", "Mcp-Session-Id", "Mcp-Protocol-Version"];

    private static readonly string[] Methods = ["GET", "POST", "DELETE"];

    /// <summary>Preflight answers may be cached this long by the browser.</summary>
    public static readonly TimeSpan PreflightMaxAge = TimeSpan.FromMinutes(10);

    public static TBuilder AddPlatformCors<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.Configure<PlatformCorsOptions>(builder.Configuration.GetSection(PlatformCorsOptions.Section));
        builder.Services.AddCors();
        builder.Services.AddOptions<CorsOptions>().Configure<IOptionsMonitor<PlatformCorsOptions>>((cors, settings) =>
            cors.AddPolicy(PolicyName, policy => policy
                .SetIsOriginAllowed(origin => settings.CurrentValue.Allows(origin))
                .WithHeaders(AllowedHeaders)
                .WithExposedHeaders(ExposedHeaders)
                .WithMethods(Methods)
                .SetPreflightMaxAge(PreflightMaxAge)));
        return builder;
    }

    /// <summary>The endpoint answers preflights and sends CORS headers for the configured origins.</summary>
    public static TBuilder RequirePlatformCors<TBuilder>(this TBuilder endpoints) where TBuilder : IEndpointConventionBuilder =>
        endpoints.RequireCors(PolicyName);

    /// <summary>
    /// The policy for requests to exactly these paths, whether or not an endpoint is routed for them. Call it before
    /// <c>UseAuthentication</c>: an authorization server such as OpenIddict answers its endpoints from there.
    /// </summary>
    public static IApplicationBuilder UsePlatformCors(this IApplicationBuilder app, params string[] paths) =>
        app.UseWhen(http => paths.Any(path => http.Request.Path.Equals(path, StringComparison.OrdinalIgnoreCase)),
            branch => branch.UseCors(PolicyName));
}
