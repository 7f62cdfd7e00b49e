using Marten;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using Platform.Auth.Keys;
using Platform.Authentication;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers;

namespace Platform.Auth.OAuth;

/// <summary>Platform rules OpenIddict does not know: metadata extras, who may introspect, revoked keys, refresh reuse.</summary>
internal static class OAuthEvents
{
    public static void Register(OpenIddictServerBuilder server)
    {
        server.AddEventHandler<HandleConfigurationRequestContext>(handler => handler
            .UseInlineHandler(context =>
            {
                var issuer = (context.Issuer ?? context.BaseUri)!.AbsoluteUri.TrimEnd('/');
                context.Metadata["registration_endpoint"] = issuer + OAuthServer.RegisterPath;
                return default;
            })
            .SetOrder(Discovery.AttachAdditionalMetadata.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom));

        // An authorization error that cannot go back to the client (unknown client, redirect URI not registered) is an
        // error page, never a redirect.
        server.AddEventHandler<ApplyAuthorizationResponseContext>(handler => handler
            .UseInlineHandler(async context =>
            {
                if (!string.IsNullOrEmpty(context.Error) && string.IsNullOrEmpty(context.RedirectUri)
                    && context.Transaction.GetHttpRequest()?.HttpContext.Response is { HasStarted: false } response)
                {
                    await ConsentPage.WriteErrorAsync(response, context.Response.ErrorDescription ?? context.Error);
                    context.HandleRequest();
                }
            })
            .SetOrder(OpenIddictServerHandlers.Authentication.AttachIssuer.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom));

        // Introspection is for platform services: the platform admin's bearer key, as before OpenIddict.
        server.AddEventHandler<ValidateIntrospectionRequestContext>(handler => handler
            .UseInlineHandler(async context =>
            {
                var http = context.Transaction.GetHttpRequest()!.HttpContext;
                var caller = await http.AuthenticateAsync(BearerAuthenticationHandler.SchemeName);
                if (!caller.Succeeded || !caller.Principal.IsPlatformAdmin())
                {
                    context.Reject(Errors.InvalidClient, "Introspection needs the platform admin's bearer credential.");
                }
            })
            .SetOrder(int.MinValue + 50_000)
            .SetType(OpenIddictServerHandlerType.Custom));

        // A machine token is inactive as soon as its key is revoked.
        server.AddEventHandler<HandleIntrospectionRequestContext>(handler => handler
            .UseScopedHandler<InactiveWhenKeyRevoked>()
            .SetOrder(Introspection.AttachPrincipal.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom));

        server.AddEventHandler<ApplyTokenResponseContext>(handler => handler
            .UseScopedHandler<AnnounceRefreshTokenReuse>()
            .SetOrder(int.MinValue + 50_000)
            .SetType(OpenIddictServerHandlerType.Custom));
    }

    private sealed class InactiveWhenKeyRevoked(IQuerySession session) : IOpenIddictServerHandler<HandleIntrospectionRequestContext>
    {
        public async ValueTask HandleAsync(HandleIntrospectionRequestContext context)
        {
            if (context.GenericTokenPrincipal is not { } principal || principal.GetClaim(PlatformClaims.SubjectKind) != "key")
            {
                return;
            }

            var key = await session.LoadAsync<ApiKey>(principal.GetClaim(Claims.Subject) ?? "");
            if (key is null || key.RevokedAt is not null)
            {
                context.Reject(Errors.InvalidToken, "The key behind this token is revoked.");
            }
        }
    }

    /// <summary>
    /// OpenIddict revokes the whole grant when a redeemed refresh token comes back; this tells every ToolExecution
    /// replica, so the grant's access tokens stop working within a second too.
    /// </summary>
    private sealed class AnnounceRefreshTokenReuse(IOpenIddictTokenManager tokens, Grants grants) : IOpenIddictServerHandler<ApplyTokenResponseContext>
    {
        public async ValueTask HandleAsync(ApplyTokenResponseContext context)
        {
            // OpenIddict calls a bad refresh token invalid_token here and invalid_grant in the response it sends.
            if (context.Response.Error is not (Errors.InvalidGrant or Errors.InvalidToken) || context.Request?.IsRefreshTokenGrantType() != true
                || string.IsNullOrEmpty(context.Request.RefreshToken))
            {
                return;
            }

            var token = await tokens.FindByReferenceIdAsync(context.Request.RefreshToken);
            if (token is null || await tokens.GetAuthorizationIdAsync(token) is not { } grantId)
            {
                return;
            }

            if (await tokens.HasStatusAsync(token, Statuses.Redeemed) || await tokens.HasStatusAsync(token, Statuses.Revoked))
            {
                var ip = context.Transaction.GetHttpRequest()?.HttpContext.Connection.RemoteIpAddress?.ToString();
                await grants.AnnounceReuseAsync(grantId, new Contracts.Actor(null, null, ip, ClientId: context.Request.ClientId), CancellationToken.None);
            }
        }
    }
}
