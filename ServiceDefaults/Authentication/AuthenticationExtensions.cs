using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Credentials.Scopes;

namespace Platform.ServiceDefaults.Authentication;

public static class AuthenticationExtensions
{
    /// <summary>Name of the authorization policy that requires <paramref name="scope"/>.</summary>
    public static string PolicyFor(string scope) => "scope:" + scope;

    /// <summary>Policy for operations on the whole platform rather than one tenant (see <see cref="PlatformClaims.IsPlatformAdmin"/>).</summary>
    public const string PlatformAdminPolicy = "platform-admin";

    /// <summary>
    /// Bearer authentication plus one authorization policy per scope. <paramref name="configure"/> lets
    /// ToolExecution advertise its RFC 9728 metadata URL.
    /// </summary>
    public static TBuilder AddPlatformAuthentication<TBuilder>(this TBuilder builder, Action<BearerAuthenticationOptions>? configure = null)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddAuthentication(BearerAuthenticationHandler.SchemeName)
            .AddScheme<BearerAuthenticationOptions, BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, o => configure?.Invoke(o));
        builder.Services.AddAuthorizationBuilder().AddScopePolicies();
        builder.Services.AddSingleton<AuthenticationMetrics>();
        return builder;
    }

    /// <summary>Ask Auth over HTTP (service discovery name <c>auth</c>), behind a local cache.</summary>
    public static TBuilder AddRemoteCredentialVerification<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddMemoryCache();
        builder.Services.AddHttpClient(CachingHttpCredentialVerifier.HttpClientName, http => http.BaseAddress = new Uri("http://auth"));
        builder.Services.AddSingleton<CachingHttpCredentialVerifier>();
        builder.Services.AddSingleton<ICredentialVerifier>(sp => sp.GetRequiredService<CachingHttpCredentialVerifier>());
        builder.Services.AddSingleton<RevokedKeys>();
        builder.Services.AddSingleton<AccessTokenValidator>();
        builder.Services.AddHostedService<CredentialChangeListener>();
        return builder;
    }

    private static AuthorizationBuilder AddScopePolicies(this AuthorizationBuilder authorization)
    {
        foreach (var scope in Scope.All)
        {
            authorization.AddPolicy(PolicyFor(scope), policy => policy
                .RequireAuthenticatedUser()
                .RequireAssertion(context => HasScope(context, scope)));
        }

        // A tenant's admin key is authenticated and has the scope, yet is refused (403) here.
        authorization.AddPolicy(PlatformAdminPolicy, policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(context => context.User.IsPlatformAdmin()));
        return authorization;
    }

    private static bool HasScope(AuthorizationHandlerContext context, string scope)
    {
        if (context.User.HasScope(scope))
        {
            return true;
        }

        // Remembered so the 403 challenge can name the missing scope (RFC 6750 section 3.1).
        if (context.Resource is HttpContext http)
        {
            http.Items[BearerAuthenticationHandler.RequiredScopeItem] = scope;
        }

        return false;
    }

    public static TBuilder RequireScope<TBuilder>(this TBuilder endpoint, string scope) where TBuilder : IEndpointConventionBuilder =>
        endpoint.RequireAuthorization(PolicyFor(scope));

    public static TBuilder RequirePlatformAdmin<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.RequireAuthorization(PolicyFor(Scope.Admin), PlatformAdminPolicy);
}
