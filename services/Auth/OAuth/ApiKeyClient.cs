using System.Collections.Immutable;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using Platform.Authentication;
using Platform.Contracts.Auth;
using Platform.Credentials.Scopes;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers;

namespace Platform.Auth.OAuth;

/// <summary>
/// <c>client_credentials</c> with an API key as the client secret (HTTP Basic with an empty or matching client id, or
/// <c>client_secret</c> in the form). The key is verified as every key is (<see cref="ICredentialVerifier"/>); the
/// client id becomes the key id. OpenIddict's application checks (registered client, its secret, its permissions) do
/// not apply to such a client, and its tokens are not stored: a key's tokens die with the key through the deny-list.
/// </summary>
internal static class ApiKeyClient
{
    private const string Property = ".platform.api_key";

    public static void Register(OpenIddictServerBuilder server)
    {
        server.AddEventHandler<ValidateTokenRequestContext>(handler => handler
            .UseScopedHandler<AuthenticateApiKey>()
            .SetOrder(Exchange.ValidateGrantType.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<HandleTokenRequestContext>(handler => handler
            .UseScopedHandler<SignInApiKey>()
            .SetOrder(Exchange.AttachPrincipal.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<GenerateTokenContext>(handler => handler
            .UseInlineHandler(context =>
            {
                if (context.Transaction.Properties.ContainsKey(Property))
                {
                    context.CreateTokenEntry = false;
                }

                return default;
            })
            .SetOrder(Protection.CreateTokenEntry.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom));

        server.Configure(options =>
        {
            for (var i = 0; i < options.Handlers.Count; i++)
            {
                var descriptor = options.Handlers[i];
                if (ApplicationChecks.Contains(descriptor.ServiceDescriptor.ServiceType))
                {
                    options.Handlers[i] = descriptor.ContextType == typeof(ProcessAuthenticationContext)
                        ? SkippedForApiKeys<ProcessAuthenticationContext>(descriptor)
                        : SkippedForApiKeys<ValidateTokenRequestContext>(descriptor);
                }
            }
        });
    }

    /// <summary>Built-in handlers that look the client up among registered applications.</summary>
    private static readonly ImmutableHashSet<Type> ApplicationChecks =
    [
        typeof(ValidateClientId),
        typeof(ValidateClientType),
        typeof(ValidateClientSecret),
        typeof(ValidateClientCertificate),
        typeof(Exchange.ValidateEndpointPermissions),
        typeof(Exchange.ValidateGrantTypePermissions),
        typeof(Exchange.ValidateScopePermissions),
        typeof(Exchange.ValidateAudiencePermissions),
        typeof(Exchange.ValidateResourcePermissions),
    ];

    private static OpenIddictServerHandlerDescriptor SkippedForApiKeys<TContext>(OpenIddictServerHandlerDescriptor descriptor)
        where TContext : BaseContext =>
        OpenIddictServerHandlerDescriptor.CreateBuilder<TContext>().Import(descriptor).AddFilter<SkipForApiKeyClients>().Build();

    public static bool IsApiKeyClient(this OpenIddictServerTransaction transaction) => transaction.Properties.ContainsKey(Property);

    internal sealed class SkipForApiKeyClients : IOpenIddictServerHandlerFilter<BaseContext>
    {
        public ValueTask<bool> IsActiveAsync(BaseContext context) => new(!context.Transaction.IsApiKeyClient());
    }

    private sealed class AuthenticateApiKey(ICredentialVerifier verifier) : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public async ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            if (!context.Request.IsClientCredentialsGrantType())
            {
                return;
            }

            var secret = context.Request.ClientSecret;
            if (string.IsNullOrEmpty(secret) || secret.Length > 512)
            {
                context.Reject(Errors.InvalidClient, "Authenticate with HTTP Basic or client_secret in the form; the API key is the client secret.");
                return;
            }

            var http = context.Transaction.GetHttpRequest()?.HttpContext;
            var answer = await verifier.VerifyAsync(secret, http?.Connection.RemoteIpAddress?.ToString(), http?.RequestAborted ?? default);
            if (answer.Status != VerificationStatus.Valid || string.IsNullOrEmpty(answer.KeyId))
            {
                context.Reject(Errors.InvalidClient, $"The client credential is not valid ({answer.Status}).");
                return;
            }

            if (!string.IsNullOrEmpty(context.Request.ClientId) && context.Request.ClientId != answer.KeyId)
            {
                context.Reject(Errors.InvalidClient, "client_id does not match the key.");
                return;
            }

            var granted = answer.Scopes ?? [];
            if (context.Request.GetScopes().Any(s => !Scope.IsKnown(s) || !Scope.Satisfies([.. granted], s)))
            {
                context.Reject(Errors.InvalidScope, "The requested scope exceeds the key's scopes.");
                return;
            }

            context.Request.ClientId = answer.KeyId;
            context.Transaction.Properties[Property] = answer;
        }
    }

    private sealed class SignInApiKey(IOptionsMonitor<TokenOptions> tokens, IConfiguration configuration) : IOpenIddictServerHandler<HandleTokenRequestContext>
    {
        public ValueTask HandleAsync(HandleTokenRequestContext context)
        {
            if (!context.Request.IsClientCredentialsGrantType()
                || !context.Transaction.Properties.TryGetValue(Property, out var value) || value is not VerifyKeyResponse answer)
            {
                return default;
            }

            var resource = context.Request.GetResources() is [var asked, ..] ? asked
                : OAuthApi.AudiencesOf(tokens.CurrentValue, configuration) is [var first, ..] ? first : null;
            if (resource is null)
            {
                context.Reject(Errors.InvalidTarget, "The resource is not served by this platform.");
                return default;
            }

            var requested = context.Request.GetScopes();
            var scopes = requested.IsEmpty ? [.. answer.Scopes ?? []] : requested;
            var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Subject, Claims.Role);
            identity.SetClaim(Claims.Subject, answer.KeyId)
                .SetClaim(PlatformClaims.SubjectKind, "key")
                .SetClaim(PlatformClaims.Tenant, answer.TenantId);
            identity.AddClaim(new Claim(AccessTokenClaims.ToolPatterns, JsonSerializer.Serialize(answer.ToolPatterns ?? []), JsonClaimValueTypes.JsonArray));
            if (answer.Limits is { } limits)
            {
                identity.AddClaim(new Claim(AccessTokenClaims.Limits, JsonSerializer.Serialize(limits, AccessTokenClaims.Json), JsonClaimValueTypes.Json));
            }

            var principal = new ClaimsPrincipal(identity);
            principal.SetScopes(scopes).SetResources(resource).SetAccessTokenLifetime(tokens.CurrentValue.Lifetime);
            principal.SetDestinations(static _ => [Destinations.AccessToken]);
            context.SignIn(principal);
            return default;
        }
    }
}
