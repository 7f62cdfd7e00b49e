using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Platform.Credentials.Scopes;

namespace Platform.Authentication;

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
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental; the alternative is two stacked pipelines
        builder.Services.AddHttpClient(CachingHttpCredentialVerifier.HttpClientName, (services, http) =>
            {
                http.BaseAddress = new Uri("http://auth");
                if (services.GetRequiredService<IConfiguration>()[ServiceCredential.ConfigurationKey] is { Length: > 0 } serviceKey)
                {
                    http.DefaultRequestHeaders.Add(ServiceCredential.HeaderName, serviceKey);
                }
            })
            // HttpClient's own request logging (Trace level) must never print the service key.
            .RedactLoggedHeaders([ServiceCredential.HeaderName])
            .RemoveAllResilienceHandlers()
            .AddAuthCallResilience();
#pragma warning restore EXTEXP0001
        builder.Services.AddSingleton<CachingHttpCredentialVerifier>();
        builder.Services.AddSingleton<ICredentialVerifier>(sp => sp.GetRequiredService<CachingHttpCredentialVerifier>());
        builder.Services.AddSingleton<RevokedSubjects>();
        builder.Services.AddSingleton<AccessTokenValidator>();
        builder.Services.AddHostedService<CredentialChangeListener>();
        return builder;
    }

    /// <summary>
    /// A client waits on these calls (key verification on a cache miss, the JWKS), so when Auth is down the answer
    /// must be a prompt 503, not the default pipeline's three retries 2, 4 and 8 s apart (the Auth failure drill
    /// measured waits over 10 s). One quick retry covers a blip; a short total timeout bounds the wait.
    /// </summary>
    private static IHttpClientBuilder AddAuthCallResilience(this IHttpClientBuilder http)
    {
        http.AddResilienceHandler("auth-calls", pipeline => pipeline
            .AddTimeout(AuthCallTotalTimeout)
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 1,
                Delay = TimeSpan.FromMilliseconds(100),
                BackoffType = DelayBackoffType.Constant,
                UseJitter = true,
                // Auth's Retry-After (seconds) is advice for its own clients; ours is already waiting on a request.
                ShouldRetryAfterHeader = false,
            })
            .AddTimeout(AuthCallAttemptTimeout));
        return http;
    }

    /// <summary>Uncached verification takes milliseconds (docs/benchmarks.md); a second is a sick Auth.</summary>
    internal static readonly TimeSpan AuthCallAttemptTimeout = TimeSpan.FromSeconds(1);

    internal static readonly TimeSpan AuthCallTotalTimeout = TimeSpan.FromSeconds(2.5);

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
