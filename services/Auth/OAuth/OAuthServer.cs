using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using OpenIddict.Server;
using Platform.Credentials.Scopes;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Auth.OAuth;

/// <summary>The OpenIddict authorization server: one issuer for people (authorization code) and machines (API keys).</summary>
internal static class OAuthServer
{
    public const string TokenPath = "/oauth/token";
    public const string AuthorizePath = "/oauth/authorize";
    public const string IntrospectPath = "/oauth/introspect";
    public const string RevokePath = "/oauth/revoke";
    public const string RegisterPath = "/oauth/register";
    public const string ConsentPath = "/oauth/consent";
    public const string JwksPath = "/.well-known/jwks.json";

    /// <summary>Scopes a client may ask for: the platform's, and <c>offline_access</c> for a refresh token.</summary>
    public static IReadOnlyList<string> Scopes { get; } = [.. Scope.All.Order(StringComparer.Ordinal), OpenIddict.Abstractions.OpenIddictConstants.Scopes.OfflineAccess];

    public static void AddOAuthServer(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDbContext<OAuthDbContext>((services, options) =>
        {
            options.UseNpgsql(services.GetRequiredService<NpgsqlDataSource>());
            options.UseOpenIddict();
        });
        builder.Services.AddHostedService<OAuthSchema>();
        builder.Services.AddHostedService<OAuthPruning>();
        builder.Services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, ServerOptionsFromPlatform>();
        builder.Services.AddSingleton<ApiKeyClient.SkipForApiKeyClients>();
        builder.Services.Configure<ClientRegistrationOptions>(builder.Configuration.GetSection(ClientRegistrationOptions.Section));
        builder.Services.AddScoped<ClientRegistrations>();
        builder.Services.AddScoped<Grants>();

        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<OAuthDbContext>())
            .AddServer(server =>
            {
                server.SetTokenEndpointUris(TokenPath[1..])
                    .SetAuthorizationEndpointUris(AuthorizePath[1..])
                    .SetIntrospectionEndpointUris(IntrospectPath[1..])
                    .SetRevocationEndpointUris(RevokePath[1..])
                    .SetConfigurationEndpointUris(".well-known/oauth-authorization-server", ".well-known/openid-configuration")
                    .SetJsonWebKeySetEndpointUris(JwksPath[1..]);
                server.AllowClientCredentialsFlow().AllowAuthorizationCodeFlow().AllowRefreshTokenFlow();
                server.RequireProofKeyForCodeExchange();
                server.RegisterScopes([.. Scopes]);
                server.DisableAccessTokenEncryption();
                // Opaque refresh tokens, so a replayed one is found in the store and its grant revoked (reuse detection),
                // with no leeway: a refresh token works once.
                server.UseReferenceRefreshTokens();
                server.SetRefreshTokenReuseLeeway(TimeSpan.Zero);
                server.SetRefreshTokenLifetime(TimeSpan.FromDays(30));
                server.SetAuthorizationCodeLifetime(TimeSpan.FromMinutes(2));
                // Resources are the platform's MCP endpoints, the same for every client; the person's consent decides.
                server.IgnoreResourcePermissions();
                // Anonymous only where Platform authenticates the caller itself: introspection by the platform admin.
                server.AcceptAnonymousClients();
                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    // TLS ends in front of Auth (ingress); local runs and tests are plain HTTP on loopback.
                    .DisableTransportSecurityRequirement();
                ApiKeyClient.Register(server);
                OAuthEvents.Register(server);
            });
    }

    /// <summary>Loads the signing keys before OpenIddict handles a request, so a rotation elsewhere is picked up.</summary>
    public static IApplicationBuilder UseOAuthServer(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments("/oauth") || http.Request.Path.StartsWithSegments("/.well-known"))
            {
                await http.RequestServices.GetRequiredService<SigningKeyRing>().KeysAsync(http.RequestAborted);
            }

            await next(http);
        });

    /// <summary>The parts of OpenIddict's options that come from the platform: keys, issuer, resources, lifetimes.</summary>
    private sealed class ServerOptionsFromPlatform(SigningKeyRing keys, IOptionsMonitor<TokenOptions> tokens, IConfiguration configuration)
        : IConfigureOptions<OpenIddictServerOptions>
    {
        public void Configure(OpenIddictServerOptions options)
        {
            var (signing, encryption) = keys.Loaded();
            // Newest first: OpenIddict signs with the first credential (its sort keeps the order of non-certificate keys);
            // JWKS lists both.
            foreach (var (_, security) in signing)
            {
                options.SigningCredentials.Add(new SigningCredentials(security, SecurityAlgorithms.EcdsaSha256));
            }

            options.EncryptionCredentials.Add(new EncryptingCredentials(encryption, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));

            var token = tokens.CurrentValue;
            if (OAuthApi.ConfiguredIssuer(token, configuration) is { } issuer)
            {
                options.Issuer = new Uri(issuer);
            }

            options.AccessTokenLifetime = token.Lifetime;
            foreach (var resource in OAuthApi.AudiencesOf(token, configuration))
            {
                options.Resources.Add(new Uri(resource));
            }

            // S256 only: plain PKCE protects nothing against a stolen code.
            options.CodeChallengeMethods.Clear();
            options.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
        }
    }
}
