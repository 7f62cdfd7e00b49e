using Platform.Auth.Account;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Platform.Authentication;

namespace Platform.Auth.OAuth;

/// <summary>
/// Routes beside OpenIddict's own endpoints (token, authorize, introspect, revoke, metadata, JWKS): signing-key
/// rotation, client registration, consent and grants. OAuth endpoints answer in RFC 6749's error format.
/// </summary>
public static class OAuthApi
{
    public static IEndpointRouteBuilder MapOAuthApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/admin/signing-keys/rotate", RotateSigningKeyAsync).RequirePlatformAdmin();
        app.MapPost(OAuthServer.RegisterPath, ClientRegistrations.RegisterAsync).DisableAntiforgery().AllowAnonymous()
            .RequireRateLimiting(ClientRegistrations.RateLimitPolicy).ExcludeFromDescription();
        app.MapAuthorizationApi();

        app.MapGet("/account/grants", MyGrantsAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/account/grants/{grantId}/revoke", RevokeMyGrantAsync).DisableAntiforgery().AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/admin/tenants/{tenantId}/grants", TenantGrantsAsync).RequireAuthorization(AuthenticationExtensions.PolicyFor(Credentials.Scopes.Scope.Admin));
        app.MapPost("/admin/grants/{grantId}/revoke", RevokeGrantAsync).RequireAuthorization(AuthenticationExtensions.PolicyFor(Credentials.Scopes.Scope.Admin));
        return app;
    }

    /// <summary>Registrations per client IP: a fixed window per replica (Auth keeps no Redis).</summary>
    public static IServiceCollection AddClientRegistrationRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(ClientRegistrations.RateLimitPolicy, http =>
            {
                var perHour = http.RequestServices.GetRequiredService<IOptionsMonitor<ClientRegistrationOptions>>().CurrentValue.PerIpPerHour;
                return RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perHour, Window = TimeSpan.FromHours(1), QueueLimit = 0 });
            });
        });

    /// <summary><c>Auth:Tokens:Issuer</c>, else Aspire's URL of this service; null: OpenIddict takes the request's base URL.</summary>
    public static string? ConfiguredIssuer(TokenOptions options, IConfiguration configuration) =>
        (options.Issuer ?? configuration["services:auth:http:0"])?.TrimEnd('/');

    public static IReadOnlyList<string> AudiencesOf(TokenOptions options, IConfiguration configuration) =>
        options.Audiences.Count > 0 ? options.Audiences
        : configuration["services:tool-execution:http:0"] is { Length: > 0 } tools ? [tools.TrimEnd('/') + "/mcp"]
        : [];

    private static async Task<IResult> RotateSigningKeyAsync(SigningKeyRing keys, CancellationToken ct)
    {
        var key = await keys.RotateAsync(ct);
        return Results.Ok(new { kid = key.Id, key.CreatedAt });
    }

    private static async Task<Results<Ok<IReadOnlyList<GrantResponse>>, UnauthorizedHttpResult>> MyGrantsAsync(
        HttpContext http, Grants grants, CancellationToken ct)
    {
        if (await PersonOf(http) is not { } personId)
        {
            return TypedResults.Unauthorized();
        }

        return TypedResults.Ok(await grants.ListAsync(g => g.PersonId == personId, ct));
    }

    private static async Task<Results<NoContent, NotFound, UnauthorizedHttpResult>> RevokeMyGrantAsync(
        HttpContext http, string grantId, Grants grants, CancellationToken ct)
    {
        if (await PersonOf(http) is not { } personId)
        {
            return TypedResults.Unauthorized();
        }

        // Someone else's grant is as good as absent.
        if (await grants.FindAsync(grantId, ct) is not { } grant || grant.PersonId != personId)
        {
            return TypedResults.NotFound();
        }

        await grants.RevokeAsync(grantId, "revoked_by_person",
            new Contracts.Actor(grant.TenantId, null, http.Connection.RemoteIpAddress?.ToString(), personId, grant.ClientId), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<IReadOnlyList<GrantResponse>>, NotFound>> TenantGrantsAsync(
        ClaimsPrincipal user, string tenantId, Grants grants, CancellationToken ct) =>
        user.MayAccessTenant(tenantId)
            ? TypedResults.Ok(await grants.ListAsync(g => g.TenantId == tenantId, ct))
            : TypedResults.NotFound();

    private static async Task<Results<NoContent, NotFound>> RevokeGrantAsync(
        ClaimsPrincipal user, HttpContext http, string grantId, Grants grants, CancellationToken ct)
    {
        if (await grants.FindAsync(grantId, ct) is not { } grant || !user.MayAccessTenant(grant.TenantId))
        {
            return TypedResults.NotFound();
        }

        await grants.RevokeAsync(grantId, "revoked_by_admin", Apis.EventContext.ActorOf(user, http), ct);
        return TypedResults.NoContent();
    }

    private static async Task<string?> PersonOf(HttpContext http)
    {
        var person = await http.AuthenticateAsync(PersonAuthentication.Scheme);
        return person.Succeeded ? person.Principal.FindFirst(PersonAuthentication.Claims.Subject)?.Value : null;
    }
}
