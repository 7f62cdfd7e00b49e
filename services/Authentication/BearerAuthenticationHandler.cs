using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Platform.Contracts.Auth;
using Platform.ServiceDefaults.Http;

namespace Platform.Authentication;

public sealed class BearerAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>RFC 9728 metadata URL advertised in 401 challenges (ToolExecution sets it; others leave it null).</summary>
    public Func<HttpContext, string>? ResourceMetadataUrl { get; set; }

    /// <summary>When set, JWT access tokens for this audience (the resource URI) are accepted besides API keys.</summary>
    public Func<HttpContext, string>? TokenAudience { get; set; }
}

/// <summary>
/// <c>Authorization: Bearer &lt;api key | access token&gt;</c> on every request; a token may be a key's or a
/// person's (<see cref="AccessTokenValidator"/>), and the principal says which (<see cref="PlatformClaims.SubjectKind"/>).
/// A credential in the query string is refused outright (it would end up in access logs and proxies). Challenges follow RFC 6750 and RFC 9728, and the body is
/// Problem Details.
/// </summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<BearerAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ICredentialVerifier verifier) : AuthenticationHandler<BearerAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "PlatformBearer";
    private const int MaxCredentialLength = 4096;
    private static readonly string[] QueryCredentialNames = ["access_token", "api_key", "apikey", "key", "token"];

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (QueryCredentialNames.Any(Request.Query.ContainsKey))
        {
            return Fail("credential_in_query", "Credentials are accepted only in the Authorization header, never in the query string.");
        }

        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (BearerCredential(header) is not { } credential)
        {
            return Fail("unsupported_scheme", "Use the Bearer authentication scheme.");
        }

        if (credential.Length is 0 or > MaxCredentialLength)
        {
            return Fail(VerificationStatus.Malformed, "The bearer credential is empty or too long.");
        }

        var clientIp = Context.Connection.RemoteIpAddress?.ToString();
        var isToken = Options.TokenAudience is not null && AccessTokenValidator.LooksLikeJwt(credential);
        VerifyKeyResponse answer;
        CallerIdentity? caller;
        try
        {
            if (isToken)
            {
                (answer, caller) = await Context.RequestServices.GetRequiredService<AccessTokenValidator>()
                    .ValidateAsync(credential, Options.TokenAudience!(Context), Context.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                answer = await verifier.VerifyAsync(credential, clientIp, Context.RequestAborted).ConfigureAwait(false);
                caller = answer.KeyId is { } keyId ? new CallerIdentity(keyId, PlatformClaims.SubjectKinds.Key) : null;
            }
        }
        catch (Exception e) when (e is HttpRequestException or Polly.ExecutionRejectedException
            || (e is TaskCanceledException && !Context.RequestAborted.IsCancellationRequested))
        {
            // Auth is unreachable (refused, timed out, or its circuit breaker is open): the credential may be fine, so
            // this is a 503 to retry, not a 401 that tells the client to drop its key, and it does not count towards
            // the client IP's failed authentications (an Auth outage would otherwise lock out every client).
            Context.RequestServices.GetRequiredService<AuthenticationMetrics>().Failed(AuthUnavailable);
            Context.Items[UnavailableItem] = true;
            return AuthenticateResult.Fail(AuthUnavailable);
        }

        if (answer.Status != VerificationStatus.Valid || caller is null)
        {
            return Fail(answer.Status == VerificationStatus.Valid ? VerificationStatus.Malformed : answer.Status, "The credential is not valid.");
        }

        var claims = new List<Claim>
        {
            new(PlatformClaims.Subject, caller.SubjectId),
            new(PlatformClaims.SubjectKind, caller.SubjectKind),
            new(PlatformClaims.Tenant, answer.TenantId ?? ""),
            new(PlatformClaims.CredentialKind, isToken ? "access_token" : "api_key"),
        };
        if (caller.ClientId is { } clientId)
        {
            claims.Add(new Claim(PlatformClaims.ClientId, clientId));
        }

        if (caller.GrantId is { } grantId)
        {
            claims.Add(new Claim(PlatformClaims.GrantId, grantId));
        }

        claims.AddRange((answer.Scopes ?? []).Select(s => new Claim(PlatformClaims.Scope, s)));
        claims.AddRange((answer.ToolPatterns ?? []).Select(p => new Claim(PlatformClaims.ToolPattern, p)));
        Context.Features.Set(answer);
        var identity = new ClaimsIdentity(claims, SchemeName, PlatformClaims.Subject, null);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>The credential of an <c>Authorization: Bearer …</c> header, or null for any other scheme.</summary>
    public static string? BearerCredential(string? header) =>
        header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;

    private AuthenticateResult Fail(string reason, string detail)
    {
        Context.RequestServices.GetRequiredService<AuthenticationMetrics>().Failed(reason);
        Context.Items[FailureReasonItem] = reason;
        Context.Items[FailureDetailItem] = detail;
        return AuthenticateResult.Fail(reason);
    }

    public const string FailureReasonItem = "platform.auth.failure";
    internal const string FailureDetailItem = "platform.auth.failure.detail";

    public const string AuthUnavailable = "auth_unavailable";
    internal const string UnavailableItem = "platform.auth.unavailable";
    private const int UnavailableRetryAfterSeconds = 5;

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items.ContainsKey(UnavailableItem))
        {
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Response.Headers[HeaderNames.RetryAfter] = UnavailableRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await WriteProblemAsync(StatusCodes.Status503ServiceUnavailable, "Service Unavailable",
                "The credential could not be verified right now; retry later.", ProblemTypes.Unavailable).ConfigureAwait(false);
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        var challenge = "Bearer";
        if (Options.ResourceMetadataUrl is { } metadata)
        {
            challenge += $" resource_metadata=\"{metadata(Context)}\"";
        }

        if (Context.Items.ContainsKey(FailureReasonItem))
        {
            challenge += (Options.ResourceMetadataUrl is null ? " " : ", ") + "error=\"invalid_token\"";
        }

        Response.Headers[HeaderNames.WWWAuthenticate] = challenge;
        var detail = Context.Items[FailureDetailItem] as string ?? "A bearer credential is required.";
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized", detail, ProblemTypes.Unauthorized).ConfigureAwait(false);
    }

    /// <summary>
    /// RFC 6750 section 3.1 and the MCP authorization spec's step-up: <c>scope</c> names every scope the client needs to
    /// make this request, which is the missing one plus those the credential already holds, so a client that
    /// re-authorizes with exactly that list gains the new scope without losing any. <c>resource_metadata</c> tells it
    /// where to start (RFC 9728 section 5.1).
    /// </summary>
    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        var required = Context.Items[RequiredScopeItem] as string;
        Response.Headers[HeaderNames.WWWAuthenticate] = InsufficientScopeChallenge(Context.User, required, Options.ResourceMetadataUrl?.Invoke(Context));
        await WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden",
            required is null ? "The credential lacks the required scope." : $"The credential lacks the '{required}' scope.",
            ProblemTypes.Forbidden).ConfigureAwait(false);
    }

    /// <summary>The <c>WWW-Authenticate</c> value of a 403 for <paramref name="required"/>.</summary>
    private static string InsufficientScopeChallenge(ClaimsPrincipal user, string? required, string? resourceMetadataUrl)
    {
        var challenge = "Bearer error=\"insufficient_scope\"";
        if (required is not null)
        {
            var scopes = user.ScopesOf().Append(required).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            challenge += $", scope=\"{string.Join(' ', scopes)}\"";
        }

        if (resourceMetadataUrl is not null)
        {
            challenge += $", resource_metadata=\"{resourceMetadataUrl}\"";
        }

        return challenge;
    }

    public const string RequiredScopeItem = "platform.auth.required-scope";

    private Task WriteProblemAsync(int status, string title, string detail, string type) =>
        Results.Problem(statusCode: status, title: title, detail: detail, type: type).ExecuteAsync(Context);
}
