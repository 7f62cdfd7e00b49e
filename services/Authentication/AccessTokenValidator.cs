using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Platform.Contracts.Auth;

namespace Platform.Authentication;

/// <summary>Who a verified credential speaks for, beyond what Auth's key verification answers.</summary>
/// <param name="SubjectId">The key id, or the person id of a person's token.</param>
/// <param name="SubjectKind"><see cref="PlatformClaims.SubjectKinds"/>.</param>
/// <param name="ClientId">The OAuth client the token was issued to; null for an API key presented directly.</param>
/// <param name="GrantId">The grant a person's token belongs to; null otherwise.</param>
public sealed record CallerIdentity(string SubjectId, string SubjectKind, string? ClientId = null, string? GrantId = null);

/// <summary>
/// Validates Platform access tokens locally: ES256 signature against Auth's JWKS (cached; refetched when an unknown
/// key id shows up, so a signing-key rotation needs no restart), <c>typ</c> <c>at+jwt</c> (RFC 9068, so no other JWT
/// the issuer signs passes for an access token), issuer, audience, expiry and not-before, then the deny-list of revoked
/// subjects. No call to Auth per request.
/// </summary>
/// <remarks>
/// Two kinds of token (docs/decisions/0007): <c>sub_kind=person</c>, whose <c>sub</c> is a person id and which
/// carries the grant (<c>gid</c>) and the client (<c>client_id</c>); and <c>sub_kind=key</c>, whose <c>sub</c> is an
/// API key id (<c>client_credentials</c>). A token without <c>sub_kind</c> is a key's, as every token issued before
/// people was. A token is refused when its <c>sub</c> or its <c>gid</c> was announced revoked.
/// </remarks>
public sealed class AccessTokenValidator(IHttpClientFactory httpClients, IConfiguration configuration, RevokedSubjects revoked, TimeProvider time) : IDisposable
{
    public const string TokenType = "at+jwt";
    private static readonly TimeSpan JwksLifetime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MinRefetchInterval = TimeSpan.FromSeconds(10);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IList<SecurityKey> _keys = [];
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    /// <summary>The verification answer, and for a valid token who it speaks for.</summary>
    public sealed record Result(VerifyKeyResponse Verification, CallerIdentity? Caller);

    private static readonly Result Invalid = new(new VerifyKeyResponse(VerificationStatus.NotFound), null);

    /// <summary>Three base64url segments with a JSON header: anything else is not ours to validate as a JWT.</summary>
    public static bool LooksLikeJwt(string credential) =>
        credential.StartsWith("eyJ", StringComparison.Ordinal) && credential.Count(c => c == '.') == 2;

    public async Task<Result> ValidateAsync(string token, string audience, CancellationToken ct)
    {
        var result = await ValidateWithKeysAsync(token, audience, await KeysAsync(refresh: false, ct).ConfigureAwait(false)).ConfigureAwait(false);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            result = await ValidateWithKeysAsync(token, audience, await KeysAsync(refresh: true, ct).ConfigureAwait(false)).ConfigureAwait(false);
        }

        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt
            || !jwt.TryGetPayloadValue<string>(PlatformClaims.Subject, out var subject) || string.IsNullOrEmpty(subject))
        {
            return Invalid;
        }

        var kind = jwt.TryGetPayloadValue<string>(PlatformClaims.SubjectKind, out var claimedKind) ? claimedKind : PlatformClaims.SubjectKinds.Key;
        jwt.TryGetPayloadValue<string>(PlatformClaims.ClientId, out var clientId);
        jwt.TryGetPayloadValue<string>(PlatformClaims.GrantId, out var grantId);
        if (kind is not (PlatformClaims.SubjectKinds.Person or PlatformClaims.SubjectKinds.Key)
            || (kind == PlatformClaims.SubjectKinds.Person && string.IsNullOrEmpty(clientId)))
        {
            return Invalid;
        }

        if (revoked.Denies(new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero), subject, grantId))
        {
            return new Result(new VerifyKeyResponse(VerificationStatus.Revoked), null);
        }

        jwt.TryGetPayloadValue<string>(PlatformClaims.Tenant, out var tenant);
        PlanLimits? limits = null;
        if (jwt.TryGetPayloadValue<JsonElement>(AccessTokenClaims.Limits, out var limitsJson))
        {
            limits = limitsJson.Deserialize<PlanLimits>(AccessTokenClaims.Json);
        }

        // A key's token carries the key's patterns (none means none); a person is authorized by scope, and by patterns
        // only when the authorization server narrowed the grant with some.
        var patterns = StringsOf(jwt, AccessTokenClaims.ToolPatterns)
            ?? (kind == PlatformClaims.SubjectKinds.Person ? ["*"] : []);
        var isPerson = kind == PlatformClaims.SubjectKinds.Person;
        return new Result(
            new VerifyKeyResponse(VerificationStatus.Valid, isPerson ? null : subject, tenant, ScopesOf(jwt), patterns, limits),
            new CallerIdentity(subject, kind, string.IsNullOrEmpty(clientId) ? null : clientId, isPerson && !string.IsNullOrEmpty(grantId) ? grantId : null));
    }

    /// <summary><c>scope</c> is a space-separated string (RFC 9068); an array of scopes is read as well.</summary>
    private static string[] ScopesOf(JsonWebToken jwt) =>
        jwt.TryGetPayloadValue<string>(PlatformClaims.Scope, out var scope)
            ? scope.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : StringsOf(jwt, PlatformClaims.Scope)?.ToArray() ?? [];

    private static List<string>? StringsOf(JsonWebToken jwt, string claim) =>
        jwt.TryGetPayloadValue<List<string>>(claim, out var values) ? values : null;

    private Task<TokenValidationResult> ValidateWithKeysAsync(string token, string audience, IList<SecurityKey> keys) =>
        new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuers = Issuer is { } issuer ? [issuer, issuer + "/"] : null,
            ValidAudience = audience,
            IssuerSigningKeys = keys,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidTypes = [TokenType],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = RevokedSubjects.ClockSkew,
            LifetimeValidator = (notBefore, expires, _, parameters) =>
                expires is { } exp && time.GetUtcNow().UtcDateTime < exp.Add(parameters.ClockSkew)
                && (notBefore is not { } nbf || time.GetUtcNow().UtcDateTime >= nbf.Subtract(parameters.ClockSkew)),
        });

    private string? Issuer => IssuerOf(configuration);

    /// <summary>
    /// Auth's issuer: configured (<c>Authentication:Tokens:Issuer</c>), else Aspire's URL of the auth service (Auth uses
    /// the same default). ToolExecution's RFC 9728 metadata names it as the authorization server, so a client finds the
    /// issuer whose tokens are accepted here. OpenIddict writes an issuer without a path as a URI, with a trailing
    /// slash; both spellings name the same issuer.
    /// </summary>
    public static string? IssuerOf(IConfiguration configuration) =>
        (configuration["Authentication:Tokens:Issuer"] ?? configuration["services:auth:http:0"])?.TrimEnd('/');

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
