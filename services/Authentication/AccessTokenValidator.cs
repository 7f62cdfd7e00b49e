using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Platform.Contracts.Auth;

namespace Platform.Authentication;

/// <summary>
/// Validates Platform access tokens locally: ES256 signature against Auth's JWKS (cached; refetched when an unknown
/// key id shows up, so a signing-key rotation needs no restart), issuer, audience, expiry and not-before, then the
/// revoked-key deny-list. No call to Auth per request.
/// </summary>
public sealed class AccessTokenValidator(IHttpClientFactory httpClients, IConfiguration configuration, RevokedKeys revoked, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan JwksLifetime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MinRefetchInterval = TimeSpan.FromSeconds(10);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IList<SecurityKey> _keys = [];
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    /// <summary>Three base64url segments with a JSON header: anything else is not ours to validate as a JWT.</summary>
    public static bool LooksLikeJwt(string credential) =>
        credential.StartsWith("eyJ", StringComparison.Ordinal) && credential.Count(c => c == '.') == 2;

    public async Task<VerifyKeyResponse> ValidateAsync(string token, string audience, CancellationToken ct)
    {
        var result = await ValidateWithKeysAsync(token, audience, await KeysAsync(refresh: false, ct).ConfigureAwait(false)).ConfigureAwait(false);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            result = await ValidateWithKeysAsync(token, audience, await KeysAsync(refresh: true, ct).ConfigureAwait(false)).ConfigureAwait(false);
        }

        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt
            || !jwt.TryGetPayloadValue<string>(PlatformClaims.KeyId, out var keyId))
        {
            return new VerifyKeyResponse(VerificationStatus.NotFound);
        }

        if (revoked.Denies(keyId, new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero)))
        {
            return new VerifyKeyResponse(VerificationStatus.Revoked);
        }

        jwt.TryGetPayloadValue<string>(PlatformClaims.Tenant, out var tenant);
        jwt.TryGetPayloadValue<string>(PlatformClaims.Scope, out var scope);
        jwt.TryGetPayloadValue<List<string>>(AccessTokenClaims.ToolPatterns, out var patterns);
        PlanLimits? limits = null;
        if (jwt.TryGetPayloadValue<JsonElement>(AccessTokenClaims.Limits, out var limitsJson))
        {
            limits = limitsJson.Deserialize<PlanLimits>(AccessTokenClaims.Json);
        }

        return new VerifyKeyResponse(VerificationStatus.Valid, keyId, tenant,
            (scope ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries), patterns ?? [], limits);
    }

    private Task<TokenValidationResult> ValidateWithKeysAsync(string token, string audience, IList<SecurityKey> keys) =>
        new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuers = Issuer is { } issuer ? [issuer, issuer + "/"] : null,
            ValidAudience = audience,
            IssuerSigningKeys = keys,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = RevokedKeys.ClockSkew,
            LifetimeValidator = (notBefore, expires, _, parameters) =>
                expires is { } exp && time.GetUtcNow().UtcDateTime < exp.Add(parameters.ClockSkew)
                && (notBefore is not { } nbf || time.GetUtcNow().UtcDateTime >= nbf.Subtract(parameters.ClockSkew)),
        });

    /// <summary>
    /// Auth's issuer: configured, else Aspire's URL of the auth service (Auth uses the same default). OpenIddict writes
    /// an issuer without a path as a URI, with a trailing slash; both spellings name the same issuer.
    /// </summary>
    private string? Issuer => (configuration["Authentication:Tokens:Issuer"] ?? configuration["services:auth:http:0"])?.TrimEnd('/');

    public void Dispose() => _gate.Dispose();

    private async Task<IList<SecurityKey>> KeysAsync(bool refresh, CancellationToken ct)
    {
        var age = time.GetUtcNow() - _fetchedAt;
        if (_keys.Count > 0 && (refresh ? age < MinRefetchInterval : age < JwksLifetime))
        {
            return _keys;
        }

        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var json = await httpClients.CreateClient(CachingHttpCredentialVerifier.HttpClientName)
                .GetStringAsync("/.well-known/jwks.json", ct).ConfigureAwait(false);
            _keys = new JsonWebKeySet(json).GetSigningKeys();
            _fetchedAt = time.GetUtcNow();
            return _keys;
        }
        finally
        {
            _gate.Release();
        }
    }
}
