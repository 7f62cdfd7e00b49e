using Platform.Auth.Account;
using System.Collections.Immutable;
using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Platform.Auth.Plans;
using Platform.Auth.Tenants;
using Platform.Authentication;
using Platform.Credentials.Scopes;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Auth.OAuth;

/// <summary>
/// The authorization endpoint (OpenIddict passthrough) and the consent page. OpenIddict has validated the client, its
/// exact redirect URI, PKCE (S256) and the resource before <see cref="AuthorizeAsync"/> runs; this decides who the
/// person is, what they allow, and whether they must be asked.
/// </summary>
internal static class AuthorizationApi
{
    /// <summary>Where the consent page sends the person back: a protected decision, bound to person and client.</summary>
    private const string ConsentParameter = "platform_consent";
    private const string ConsentPurpose = "Platform.Auth.OAuth.Consent";
    private static readonly TimeSpan ConsentLifetime = TimeSpan.FromMinutes(10);
    private static readonly string[] DefaultScopes = [Scope.ToolsList, Scope.ToolsCall];

    private sealed record ConsentRequest(
        string PersonId, string ClientId, string ApplicationId, Dictionary<string, string[]> Parameters,
        string[] New, string[] Already, string[] Unavailable);

    private sealed record ConsentDecision(string PersonId, string ClientId, bool Accepted, string[] Scopes, string? GrantId);

    public static IEndpointRouteBuilder MapAuthorizationApi(this IEndpointRouteBuilder app)
    {
        app.MapMethods(OAuthServer.AuthorizePath, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync)
            .DisableAntiforgery().AllowAnonymous().ExcludeFromDescription();
        app.MapGet(OAuthServer.ConsentPath, ShowConsentAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(OAuthServer.ConsentPath, DecideAsync).DisableAntiforgery().AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> AuthorizeAsync(
        HttpContext http, IOpenIddictApplicationManager applications, Grants grants, IDataProtectionProvider protection,
        IQuerySession session, PlanCatalog plans, IOptionsMonitor<TokenOptions> tokens, IConfiguration configuration, CancellationToken ct)
    {
        var request = http.GetOpenIddictServerRequest();
        if (request is null)
        {
            return ConsentPage.Error(http, "This is not an authorization request.");
        }

        var person = await http.AuthenticateAsync(PersonAuthentication.Scheme);
        var personId = person.Principal?.FindFirst(PersonAuthentication.Claims.Subject)?.Value;
        var tenantId = person.Principal?.FindFirst(PersonAuthentication.Claims.Tenant)?.Value;
        if (!person.Succeeded || string.IsNullOrEmpty(personId) || string.IsNullOrEmpty(tenantId))
        {
            var parameters = request.GetParameters()
                .Where(p => p.Key != ConsentParameter)
                .SelectMany(p => Values(p.Value).Select(v => KeyValuePair.Create(p.Key, (string?)v)));
            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = http.Request.PathBase + http.Request.Path + QueryString.Create(parameters) },
                [PersonAuthentication.Scheme]);
        }

        var resources = request.GetResources();
        if (resources.Length > 1)
        {
            return Refuse(Errors.InvalidTarget, "Ask for one resource per authorization.");
        }

        var resource = resources is [var askedResource, ..] ? askedResource
            : OAuthApi.AudiencesOf(tokens.CurrentValue, configuration) is [var first, ..] ? first : null;
        if (resource is null)
        {
            return Refuse(Errors.InvalidTarget, "The resource is not served by this platform.");
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!, ct);
        if (application is null)
        {
            return ConsentPage.Error(http, "The client is not known.");
        }

        var applicationId = (await applications.GetIdAsync(application, ct))!;
        var allowed = Scope.ExpandRoles(person.Principal!.FindAll(PersonAuthentication.Claims.Role).Select(c => c.Value)).ToHashSet(StringComparer.Ordinal);
        allowed.Add(Scopes.OfflineAccess);
        var requested = request.GetScopes() is { IsEmpty: false } asked ? asked.ToArray() : DefaultScopes;
        var wanted = requested.Where(allowed.Contains).Distinct(StringComparer.Ordinal).ToArray();

        if (request.GetParameter(ConsentParameter)?.ToString() is { Length: > 0 } consent)
        {
            var decision = Unprotect<ConsentDecision>(protection, consent);
            if (decision is null || decision.PersonId != personId || decision.ClientId != request.ClientId)
            {
                return ConsentPage.Error(http, "The consent was forged or has expired. Start again from the application.");
            }

            return decision.Accepted && decision.GrantId is not null && decision.Scopes.Length > 0
                ? await SignInAsync(personId, tenantId, decision.Scopes, decision.GrantId, resource, session, plans, tokens.CurrentValue, ct)
                : Refuse(Errors.AccessDenied, "The person declined.");
        }

        if (wanted.Length == 0 || wanted.All(s => s == Scopes.OfflineAccess))
        {
            return Refuse(Errors.AccessDenied, "None of the requested scopes is allowed to this person.");
        }

        var (granted, grantId) = await grants.GrantedAsync(personId, applicationId, ct);

        // MCP clients (the TypeScript SDK, Claude, VS Code) refresh without asking for offline_access: a client registered
        // for the refresh_token grant is offered it on the consent page, where the person may untick it; once declined,
        // it is not asked for again unless the client asks.
        if (!wanted.Contains(Scopes.OfflineAccess) && (grantId is null || granted.Contains(Scopes.OfflineAccess))
            && await applications.HasPermissionAsync(application, Permissions.GrantTypes.RefreshToken, ct))
        {
            wanted = [.. wanted, Scopes.OfflineAccess];
        }
        if (grantId is not null && wanted.All(granted.Contains))
        {
            return await SignInAsync(personId, tenantId, wanted, grantId, resource, session, plans, tokens.CurrentValue, ct);
        }

        var ticket = Protect(protection, new ConsentRequest(
            personId, request.ClientId!, applicationId,
            request.GetParameters().Where(p => p.Key != ConsentParameter).ToDictionary(p => p.Key, p => Values(p.Value).ToArray(), StringComparer.Ordinal),
            [.. wanted.Where(s => !granted.Contains(s))], [.. wanted.Where(granted.Contains)], [.. requested.Where(s => !allowed.Contains(s))]));
        return Results.Redirect(OAuthServer.ConsentPath + QueryString.Create("ticket", ticket));
    }

    private static async Task<IResult> ShowConsentAsync(
        HttpContext http, string? ticket, IDataProtectionProvider protection, IAntiforgery antiforgery,
        IOpenIddictApplicationManager applications, CancellationToken ct)
    {
        var person = await http.AuthenticateAsync(PersonAuthentication.Scheme);
        var consent = ticket is null ? null : Unprotect<ConsentRequest>(protection, ticket);
        if (consent is null || person.Principal?.FindFirst(PersonAuthentication.Claims.Subject)?.Value != consent.PersonId)
        {
            return ConsentPage.Error(http, "This consent request was forged or has expired. Start again from the application.");
        }

        var application = await applications.FindByIdAsync(consent.ApplicationId, ct);
        if (application is null)
        {
            return ConsentPage.Error(http, "The client is not known.");
        }

        var redirect = consent.Parameters.TryGetValue(Parameters.RedirectUri, out var uris) ? uris.FirstOrDefault() : null;
        var properties = await applications.GetPropertiesAsync(application, ct);
        return ConsentPage.Render(http, new ConsentPage.Model(
            ClientName: await applications.GetDisplayNameAsync(application, ct) ?? consent.ClientId,
            ClientId: consent.ClientId,
            RedirectHost: redirect is not null && Uri.TryCreate(redirect, UriKind.Absolute, out var uri) ? uri.Authority : "",
            RedirectUri: redirect,
            Verified: properties.TryGetValue(ClientRegistrations.VerifiedMetadataProperty, out var verified) && verified.ValueKind == JsonValueKind.True,
            Email: person.Principal!.FindFirst(PersonAuthentication.Claims.Email)?.Value ?? consent.PersonId,
            Tenant: person.Principal.FindFirst(PersonAuthentication.Claims.Tenant)?.Value ?? "",
            New: consent.New, Already: consent.Already, Unavailable: consent.Unavailable,
            Ticket: ticket!, Antiforgery: antiforgery.GetAndStoreTokens(http)));
    }

    private static async Task<IResult> DecideAsync(
        HttpContext http, IDataProtectionProvider protection, IAntiforgery antiforgery, Grants grants, TimeProvider time, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http))
        {
            return ConsentPage.Error(http, "The consent form was forged or has expired. Start again from the application.");
        }

        var form = await http.Request.ReadFormAsync(ct);
        var person = await http.AuthenticateAsync(PersonAuthentication.Scheme);
        var consent = Unprotect<ConsentRequest>(protection, form["ticket"].ToString());
        var personId = person.Principal?.FindFirst(PersonAuthentication.Claims.Subject)?.Value;
        if (consent is null || personId != consent.PersonId)
        {
            return ConsentPage.Error(http, "The consent form was forged or has expired. Start again from the application.");
        }

        var chosen = form["scope"].Where(s => s is not null && consent.New.Contains(s, StringComparer.Ordinal)).Select(s => s!).ToArray();
        var scopes = consent.Already.Concat(chosen).Distinct(StringComparer.Ordinal).ToArray();
        var accepted = form["decision"] == "accept" && scopes.Any(s => s != Scopes.OfflineAccess);
        string? grantId = null;
        if (accepted)
        {
            var tenant = person.Principal!.FindFirst(PersonAuthentication.Claims.Tenant)?.Value ?? "";
            var (granted, _) = await grants.GrantedAsync(personId, consent.ApplicationId, ct);
            grantId = await grants.GrantAsync(personId, tenant, consent.ApplicationId, [.. granted.Union(scopes)], ct);
            await grants.PublishAsync(new Contracts.Auth.OAuthConsentGranted(Apis.EventContext.NewEventId(), grantId, tenant, personId, consent.ClientId,
                [.. granted.Union(scopes).Order(StringComparer.Ordinal)],
                new Contracts.Actor(tenant, null, http.Connection.RemoteIpAddress?.ToString(), personId, consent.ClientId),
                time.GetUtcNow(), Apis.EventContext.TraceId), ct);
        }

        var decision = Protect(protection, new ConsentDecision(personId, consent.ClientId, accepted, scopes, grantId));
        var parameters = consent.Parameters.SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, (string?)v)))
            .Append(KeyValuePair.Create(ConsentParameter, (string?)decision));
        return Results.Redirect(OAuthServer.AuthorizePath + QueryString.Create(parameters));
    }

    private static async Task<IResult> SignInAsync(
        string personId, string tenantId, IReadOnlyCollection<string> scopes, string grantId, string resource,
        IQuerySession session, PlanCatalog plans, TokenOptions tokens, CancellationToken ct)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Subject, Claims.Role);
        identity.SetClaim(Claims.Subject, personId)
            .SetClaim(PlatformClaims.SubjectKind, "person")
            .SetClaim(PlatformClaims.Tenant, tenantId)
            .SetClaim(PlatformClaims.GrantId, grantId);
        if (await session.LoadAsync<Tenant>(tenantId, ct) is { } tenant)
        {
            identity.AddClaim(new Claim(AccessTokenClaims.Limits, JsonSerializer.Serialize(plans.LimitsOf(tenant.Plan), AccessTokenClaims.Json), JsonClaimValueTypes.Json));
        }

        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(scopes).SetResources(resource).SetAuthorizationId(grantId).SetAccessTokenLifetime(tokens.Lifetime);
        principal.SetDestinations(static _ => [Destinations.AccessToken]);
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>An OAuth error sent to the (validated) client's redirect URI.</summary>
    private static IResult Refuse(string error, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    private static IEnumerable<string> Values(OpenIddictParameter parameter) =>
        ((ImmutableArray<string?>?)parameter ?? []).Where(v => v is not null).Select(v => v!);

    private static string Protect<T>(IDataProtectionProvider protection, T value) =>
        protection.CreateProtector(ConsentPurpose, typeof(T).Name).ToTimeLimitedDataProtector()
            .Protect(JsonSerializer.Serialize(value), ConsentLifetime);

    private static T? Unprotect<T>(IDataProtectionProvider protection, string protectedValue) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(protection.CreateProtector(ConsentPurpose, typeof(T).Name).ToTimeLimitedDataProtector().Unprotect(protectedValue));
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or FormatException or JsonException)
        {
            return null;
        }
    }
}
