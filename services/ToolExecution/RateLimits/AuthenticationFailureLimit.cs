using Microsoft.Extensions.Options;
using Platform.RateLimiting;
using Platform.Authentication;

namespace Platform.ToolExecution.RateLimits;

/// <summary>
/// Failed authentications per client network (an IPv4 address or an IPv6 /64, <see cref="ClientNetwork"/>): every
/// failure counts, and while a network is over its limit a credential that would have to be verified by Auth gets 429
/// before any key lookup, so a flood of guesses costs no verification call.
/// </summary>
/// <remarks>
/// A credential this replica answers by itself (a key it verified within the cache's lifetime, or an access token,
/// checked against the JWKS) costs no verification call, so it is not held up: checking it would spend a Redis round
/// trip on every request for nothing (about a tenth of a tool call's CPU in the echo benchmark, docs/toolexecution-performance.md),
/// and a client that shares its IP with a guesser keeps working. Guesses are unknown keys, which always ask Auth.
/// </remarks>
public static class AuthenticationFailureLimit
{
    public static IApplicationBuilder UseAuthenticationFailureLimit(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            if (http.Request.Headers.Authorization.Count == 0 || http.Connection.RemoteIpAddress is not { } address)
            {
                await next(http);
                return;
            }

            var limiter = http.RequestServices.GetRequiredService<RedisRateLimiter>();
            var options = http.RequestServices.GetRequiredService<IOptionsMonitor<RateLimitOptions>>().CurrentValue;
            var limit = new RateLimit(options.AuthFailuresPerMinutePerIp, TimeSpan.FromMinutes(1));
            var network = ClientNetwork.Of(address);
            if (AsksAuth(http, address.ToString()))
            {
                var check = await limiter.CheckAuthFailuresAsync(network, limit, options.AuthFailuresOnRedisFailure, http.RequestAborted);
                if (!check.IsAllowed)
                {
                    await RateLimitResponses.WriteRefusalAsync(http, check, null);
                    return;
                }
            }

            await next(http);
            if (http.Items.ContainsKey(BearerAuthenticationHandler.FailureReasonItem))
            {
                await limiter.RecordAuthFailureAsync(network, limit, options.AuthFailuresOnRedisFailure, CancellationToken.None);
            }
        });

    /// <summary>Whether authenticating this request would call Auth's verification endpoint.</summary>
    private static bool AsksAuth(HttpContext http, string clientIp) =>
        BearerAuthenticationHandler.BearerCredential(http.Request.Headers.Authorization) is { Length: > 0 } credential
        && !AccessTokenValidator.LooksLikeJwt(credential)
        && !http.RequestServices.GetRequiredService<CachingHttpCredentialVerifier>().AnswersLocally(credential, clientIp);
}
