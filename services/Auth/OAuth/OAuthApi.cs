using System.Security.Claims;
using System.Text;
using Marten;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Platform.Auth.Keys;
using Platform.Contracts.Auth;
using Platform.Credentials.Scopes;
using Platform.Authentication;

namespace Platform.Auth.OAuth;

/// <summary>
/// The OAuth 2.1 authorization server subset a machine client needs: <c>client_credentials</c> with the API key as
/// the client secret, RFC 8414 metadata, JWKS, and RFC 7662 introspection. OAuth endpoints answer in RFC 6749's error
/// format (<c>{"error": …}</c>), which OAuth clients parse, rather than Problem Details.
/// </summary>
public static class OAuthApi
{
    private static readonly string[] GrantTypes = ["client_credentials"];
    private static readonly string[] ClientAuthMethods = ["client_secret_basic", "client_secret_post"];
    private static readonly string[] SigningAlgorithms = ["ES256"];

    public static IEndpointRouteBuilder MapOAuthApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/oauth/token", IssueTokenAsync).DisableAntiforgery().AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/oauth/introspect", IntrospectAsync).DisableAntiforgery().RequirePlatformAdmin().ExcludeFromDescription();
        app.MapPost("/admin/signing-keys/rotate", RotateSigningKeyAsync).RequirePlatformAdmin();
        app.MapGet("/.well-known/oauth-authorization-server", Metadata).AllowAnonymous();
        app.MapGet("/.well-known/jwks.json", JwksAsync).AllowAnonymous();
        return app;
    }

    public static string IssuerOf(HttpContext http, TokenOptions options, IConfiguration configuration) =>
        (options.Issuer ?? configuration["services:auth:http:0"] ?? $"{http.Request.Scheme}://{http.Request.Host}").TrimEnd('/');

    public static IReadOnlyList<string> AudiencesOf(TokenOptions options, IConfiguration configuration) =>
        options.Audiences.Count > 0 ? options.Audiences
        : configuration["services:tool-execution:http:0"] is { Length: > 0 } tools ? [tools.TrimEnd('/') + "/mcp"]
        : [];

    private static async Task<IResult> IssueTokenAsync(
        HttpContext http, ICredentialVerifier verifier, SigningKeyRing keys, IOptionsMonitor<TokenOptions> tokenOptions,
        IConfiguration configuration, TimeProvider time, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
        {
            return OAuthError(StatusCodes.Status400BadRequest, "invalid_request", "Use application/x-www-form-urlencoded.");
        }

        var form = await http.Request.ReadFormAsync(ct);
        if (form["grant_type"] != "client_credentials")
        {
            return OAuthError(StatusCodes.Status400BadRequest, "unsupported_grant_type", "Only client_credentials is supported.");
        }

        if (!TryReadClient(http, form, out var clientId, out var secret))
        {
            return InvalidClient(http, "Authenticate with HTTP Basic or client_secret in the form; the API key is the client secret.");
        }

        var options = tokenOptions.CurrentValue;
        var audiences = AudiencesOf(options, configuration);
        var resource = form["resource"].ToString() is { Length: > 0 } requested ? requested : audiences.Count > 0 ? audiences[0] : null;
        if (resource is null || !audiences.Contains(resource, StringComparer.Ordinal))
        {
            return OAuthError(StatusCodes.Status400BadRequest, "invalid_target", "The resource is not served by this platform.");
        }

        var answer = await verifier.VerifyAsync(secret, http.Connection.RemoteIpAddress?.ToString(), ct);
        if (answer.Status != VerificationStatus.Valid || (clientId is { Length: > 0 } && clientId != answer.KeyId))
        {
            return InvalidClient(http, answer.Status == VerificationStatus.Valid ? "client_id does not match the key." : $"The client credential is not valid ({answer.Status}).");
        }

        var granted = answer.Scopes ?? [];
        var scopes = form["scope"].ToString() is { Length: > 0 } asked ? asked.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [.. granted];
        if (scopes.Any(s => !Scope.Satisfies(granted.ToArray(), s)))
        {
            return OAuthError(StatusCodes.Status400BadRequest, "invalid_scope", "The requested scope exceeds the key's scopes.");
        }

        var now = time.GetUtcNow();
        var signing = (await keys.KeysAsync(ct))[0].Security;
        var claims = new Dictionary<string, object>
        {
            [PlatformClaims.KeyId] = answer.KeyId!,
            [PlatformClaims.Tenant] = answer.TenantId ?? "",
            [PlatformClaims.Scope] = string.Join(' ', scopes),
            [AccessTokenClaims.ToolPatterns] = answer.ToolPatterns ?? [],
            [JwtRegisteredClaimNames.Jti] = Guid.CreateVersion7().ToString("N"),
        };
        if (answer.Limits is { } limits)
        {
            claims[AccessTokenClaims.Limits] = System.Text.Json.JsonSerializer.SerializeToElement(limits, AccessTokenClaims.Json);
        }

        var token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = IssuerOf(http, options, configuration),
            Audience = resource,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = now.Add(options.Lifetime).UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(signing, SecurityAlgorithms.EcdsaSha256),
            TokenType = "at+jwt",
        });

        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = token,
            ["token_type"] = "Bearer",
            ["expires_in"] = (int)options.Lifetime.TotalSeconds,
            ["scope"] = string.Join(' ', scopes),
        });
    }

    private static bool TryReadClient(HttpContext http, IFormCollection form, out string? clientId, out string secret)
    {
        clientId = form["client_id"].ToString();
        secret = form["client_secret"].ToString();
        string? header = http.Request.Headers.Authorization;
        if (header is not null && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                {
                    return false;
                }

                clientId = Uri.UnescapeDataString(decoded[..colon]);
                secret = Uri.UnescapeDataString(decoded[(colon + 1)..]);
            }
            catch (FormatException)
            {
                return false;
            }
        }

        return secret.Length is > 0 and <= 512;
    }

    private static async Task<IResult> IntrospectAsync(HttpContext http, SigningKeyRing keys, IQuerySession session,
        IOptionsMonitor<TokenOptions> tokenOptions, IConfiguration configuration, TimeProvider time, CancellationToken ct)
    {
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(ct) : null;
        var token = form?["token"].ToString();
        var inactive = Results.Json(new { active = false });
        if (string.IsNullOrEmpty(token))
        {
            return inactive;
        }

        var options = tokenOptions.CurrentValue;
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = IssuerOf(http, options, configuration),
            ValidAudiences = AudiencesOf(options, configuration),
            IssuerSigningKeys = (await keys.KeysAsync(ct)).Select(k => (SecurityKey)k.Security),
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            // Expiry is judged by the injected clock, the same one that stamped the token.
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is { } exp && time.GetUtcNow().UtcDateTime < exp && (notBefore is not { } nbf || time.GetUtcNow().UtcDateTime >= nbf),
        });
        if (!result.IsValid || !result.Claims.TryGetValue(PlatformClaims.KeyId, out var sub) || sub is not string keyId)
        {
            return inactive;
        }

        // A token outlives nothing: it is inactive as soon as its key is revoked.
        var key = await session.LoadAsync<ApiKey>(keyId, ct);
        if (key is null || key.RevokedAt is not null)
        {
            return inactive;
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        return Results.Json(new Dictionary<string, object?>
        {
            ["active"] = true,
            ["sub"] = keyId,
            ["tenant"] = key.TenantId,
            ["scope"] = result.Claims.TryGetValue(PlatformClaims.Scope, out var scope) ? scope : null,
            ["aud"] = jwt.Audiences.FirstOrDefault(),
            ["iss"] = jwt.Issuer,
            ["jti"] = jwt.Id,
            ["iat"] = new DateTimeOffset(jwt.IssuedAt).ToUnixTimeSeconds(),
            ["exp"] = new DateTimeOffset(jwt.ValidTo).ToUnixTimeSeconds(),
            ["token_type"] = "Bearer",
        });
    }

    private static async Task<IResult> RotateSigningKeyAsync(SigningKeyRing keys, CancellationToken ct)
    {
        var key = await keys.RotateAsync(ct);
        return Results.Ok(new { kid = key.Id, key.CreatedAt });
    }

    private static IResult Metadata(HttpContext http, IOptionsMonitor<TokenOptions> tokenOptions, IConfiguration configuration)
    {
        var issuer = IssuerOf(http, tokenOptions.CurrentValue, configuration);
        return Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuer,
            ["token_endpoint"] = issuer + "/oauth/token",
            ["jwks_uri"] = issuer + "/.well-known/jwks.json",
            ["introspection_endpoint"] = issuer + "/oauth/introspect",
            ["grant_types_supported"] = GrantTypes,
            ["token_endpoint_auth_methods_supported"] = ClientAuthMethods,
            ["scopes_supported"] = Scope.All.Order(StringComparer.Ordinal).ToArray(),
            ["response_types_supported"] = Array.Empty<string>(),
            ["token_endpoint_auth_signing_alg_values_supported"] = SigningAlgorithms,
        });
    }

    private static async Task<IResult> JwksAsync(SigningKeyRing keys, CancellationToken ct)
    {
        var jwks = new List<object>();
        foreach (var (key, security) in await keys.KeysAsync(ct))
        {
            var parameters = security.ECDsa.ExportParameters(includePrivateParameters: false);
            jwks.Add(new Dictionary<string, string>
            {
                ["kty"] = "EC",
                ["crv"] = "P-256",
                ["x"] = Base64UrlEncoder.Encode(parameters.Q.X),
                ["y"] = Base64UrlEncoder.Encode(parameters.Q.Y),
                ["kid"] = key.Id,
                ["use"] = "sig",
                ["alg"] = "ES256",
            });
        }

        return Results.Json(new { keys = jwks });
    }

    private static IResult OAuthError(int status, string error, string description) =>
        Results.Json(new { error, error_description = description }, statusCode: status);

    private static IResult InvalidClient(HttpContext http, string description)
    {
        http.Response.Headers.WWWAuthenticate = "Basic realm=\"platform\"";
        return OAuthError(StatusCodes.Status401Unauthorized, "invalid_client", description);
    }
}
