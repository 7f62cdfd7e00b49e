using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Auth.OAuth;

/// <summary>Bound from <c>Auth:OAuth:Registration</c>.</summary>
public sealed class ClientRegistrationOptions
{
    public const string Section = "Auth:OAuth:Registration";

    /// <summary>A registered client that never got a grant is deleted after this long.</summary>
    public TimeSpan UnusedLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Registrations accepted per client IP per hour (per Auth replica).</summary>
    public int PerIpPerHour { get; set; } = 20;
}

/// <summary>RFC 7591 client metadata, as a client sends it.</summary>
public sealed record ClientRegistrationRequest(
    [property: JsonPropertyName("redirect_uris")] IReadOnlyList<string>? RedirectUris,
    [property: JsonPropertyName("client_name")] string? ClientName,
    [property: JsonPropertyName("grant_types")] IReadOnlyList<string>? GrantTypes,
    [property: JsonPropertyName("response_types")] IReadOnlyList<string>? ResponseTypes,
    [property: JsonPropertyName("token_endpoint_auth_method")] string? TokenEndpointAuthMethod,
    [property: JsonPropertyName("application_type")] string? ApplicationType,
    [property: JsonPropertyName("scope")] string? Scope);

/// <summary>The RFC 7591 registration response.</summary>
public sealed record ClientRegistrationResponse(
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("client_id_issued_at")] long ClientIdIssuedAt,
    [property: JsonPropertyName("client_name")] string? ClientName,
    [property: JsonPropertyName("redirect_uris")] IReadOnlyList<string> RedirectUris,
    [property: JsonPropertyName("grant_types")] IReadOnlyList<string> GrantTypes,
    [property: JsonPropertyName("response_types")] IReadOnlyList<string> ResponseTypes,
    [property: JsonPropertyName("token_endpoint_auth_method")] string TokenEndpointAuthMethod,
    [property: JsonPropertyName("application_type")] string ApplicationType);

/// <summary>RFC 7591 error body.</summary>
public sealed record ClientRegistrationError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string ErrorDescription);

/// <summary>
/// Dynamic Client Registration (RFC 7591) for public clients (PKCE, no secret): strict validation, then an OpenIddict
/// application limited to the authorization-code and refresh-token grants and the platform's scopes.
/// </summary>
internal sealed class ClientRegistrations(IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations,
    IOptionsMonitor<ClientRegistrationOptions> options, TimeProvider time)
{
    public const string RateLimitPolicy = "oauth-register";
    public const string DynamicProperty = "dynamic";
    public const string VerifiedMetadataProperty = "verified_metadata";
    private const string RegisteredAtProperty = "registered_at";

    private static readonly ImmutableHashSet<string> SupportedGrantTypes = [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken];
    private static readonly ImmutableHashSet<string> ForbiddenSchemes = ["javascript", "data", "file", "vbscript", "about", "blob"];

    public static async Task<Results<Created<ClientRegistrationResponse>, BadRequest<ClientRegistrationError>>> RegisterAsync(
        HttpContext http, ClientRegistrations registrations, Grants grants, CancellationToken ct)
    {
        ClientRegistrationRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync<ClientRegistrationRequest>(ct);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            request = null;
        }

        if (request is null)
        {
            return TypedResults.BadRequest(new ClientRegistrationError("invalid_client_metadata", "Send the client metadata as a JSON object."));
        }

        if (Validate(request) is { } error)
        {
            return TypedResults.BadRequest(error);
        }

        var response = await registrations.CreateAsync(request, ct);
        await grants.PublishAsync(new Contracts.Auth.OAuthClientRegistered(Apis.EventContext.NewEventId(), response.ClientId, response.ClientName,
            response.ApplicationType, [.. response.RedirectUris.Select(u => new Uri(u).Authority).Distinct(StringComparer.Ordinal)],
            new Contracts.Actor(null, null, http.Connection.RemoteIpAddress?.ToString(), ClientId: response.ClientId),
            DateTimeOffset.FromUnixTimeSeconds(response.ClientIdIssuedAt), Apis.EventContext.TraceId), ct);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created((string?)null, response);
    }

    /// <summary>The first problem with <paramref name="request"/>, or null when it can be registered.</summary>
    public static ClientRegistrationError? Validate(ClientRegistrationRequest request)
    {
        var applicationType = request.ApplicationType ?? ApplicationTypes.Web;
        if (applicationType is not (ApplicationTypes.Web or ApplicationTypes.Native))
        {
            return new("invalid_client_metadata", "application_type must be web or native.");
        }

        if ((request.TokenEndpointAuthMethod ?? ClientAuthenticationMethods.None) != ClientAuthenticationMethods.None)
        {
            return new("invalid_client_metadata", "Only public clients register here: token_endpoint_auth_method must be none (PKCE protects the code).");
        }

        if (request.GrantTypes is { } grants && (grants.Count == 0 || grants.Any(g => !SupportedGrantTypes.Contains(g)) || !grants.Contains(GrantTypes.AuthorizationCode)))
        {
            return new("invalid_client_metadata", "grant_types may be authorization_code and refresh_token only.");
        }

        if (request.ResponseTypes is { } responses && (responses.Count == 0 || responses.Any(r => r != ResponseTypes.Code)))
        {
            return new("invalid_client_metadata", "response_types may be code only.");
        }

        if (request.ClientName is { Length: > 100 })
        {
            return new("invalid_client_metadata", "client_name is at most 100 characters.");
        }

        if (request.RedirectUris is not { Count: > 0 and <= 10 } uris)
        {
            return new("invalid_redirect_uri", "Give between one and ten redirect_uris.");
        }

        foreach (var value in uris)
        {
            if (RedirectUriProblem(value, applicationType) is { } problem)
            {
                return new("invalid_redirect_uri", problem);
            }
        }

        return null;
    }

    /// <summary>https anywhere; http only to a loopback address (RFC 8252); a private-use scheme only for native apps.</summary>
    public static string? RedirectUriProblem(string? value, string applicationType)
    {
        if (value is not { Length: > 0 and <= 2000 } || !Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            return "Each redirect URI must be an absolute URI.";
        }

        if (!string.IsNullOrEmpty(uri.Fragment))
        {
            return "A redirect URI must not have a fragment.";
        }

        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            return string.IsNullOrEmpty(uri.UserInfo) ? null : "A redirect URI must not carry credentials.";
        }

        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            return uri.IsLoopback && uri.Host is "localhost" or "127.0.0.1" or "[::1]"
                ? null
                : "http redirect URIs are allowed only for localhost, 127.0.0.1 or [::1]; use https.";
        }

        return applicationType == ApplicationTypes.Native && !ForbiddenSchemes.Contains(uri.Scheme)
            ? null
            : $"The scheme {uri.Scheme} is not allowed for a {applicationType} application.";
    }

    public async Task<ClientRegistrationResponse> CreateAsync(ClientRegistrationRequest request, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var applicationType = request.ApplicationType ?? ApplicationTypes.Web;
        var grantTypes = request.GrantTypes ?? [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken];
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = "dcr_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            ClientType = ClientTypes.Public,
            ApplicationType = applicationType,
            DisplayName = string.IsNullOrWhiteSpace(request.ClientName) ? null : request.ClientName.Trim(),
        };
        foreach (var uri in request.RedirectUris!)
        {
            descriptor.RedirectUris.Add(new Uri(uri));
        }

        AddPublicClientPermissions(descriptor, grantTypes);
        descriptor.Properties[DynamicProperty] = JsonSerializer.SerializeToElement(true);
        descriptor.Properties[RegisteredAtProperty] = JsonSerializer.SerializeToElement(now);
        await applications.CreateAsync(descriptor, ct);
        return new ClientRegistrationResponse(descriptor.ClientId, now.ToUnixTimeSeconds(), descriptor.DisplayName,
            request.RedirectUris!, grantTypes, [ResponseTypes.Code], ClientAuthenticationMethods.None, applicationType);
    }

    /// <summary>What every public client may do: the code flow with PKCE, refresh, revoke, and ask for the platform's scopes.</summary>
    public static void AddPublicClientPermissions(OpenIddictApplicationDescriptor descriptor, IEnumerable<string> grantTypes)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        descriptor.Permissions.UnionWith([
            Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.Revocation,
            Permissions.ResponseTypes.Code]);
        foreach (var grant in grantTypes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.GrantType + grant);
        }

        foreach (var scope in OAuthServer.Scopes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
    }

    /// <summary>Deletes dynamically registered clients older than the unused lifetime that no person ever granted anything.</summary>
    public async Task<int> PruneUnusedAsync(CancellationToken ct)
    {
        var threshold = time.GetUtcNow() - options.CurrentValue.UnusedLifetime;
        var stale = new List<object>();
        await foreach (var application in applications.ListAsync(count: null, offset: null, ct))
        {
            var properties = await applications.GetPropertiesAsync(application, ct);
            if (!properties.ContainsKey(DynamicProperty) || !properties.TryGetValue(RegisteredAtProperty, out var at)
                || at.GetDateTimeOffset() > threshold)
            {
                continue;
            }

            var id = await applications.GetIdAsync(application, ct);
            var used = false;
            await foreach (var _ in authorizations.FindByApplicationIdAsync(id!, ct))
            {
                used = true;
                break;
            }

            if (!used)
            {
                stale.Add(application);
            }
        }

        foreach (var application in stale)
        {
            await applications.DeleteAsync(application, ct);
        }

        return stale.Count;
    }
}
