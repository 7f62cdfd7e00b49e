using Microsoft.Extensions.Options;
using Platform.RateLimiting;
using Platform.ServiceDefaults.Authentication;

namespace Platform.ToolExecution.RateLimits;

/// <summary>
/// Failed authentications per client IP: checked before any key lookup (so a flood of guesses costs no verification
/// call) and counted after a failure.
/// </summary>
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
            var ip = address.ToString();
            var check = await limiter.CheckAuthFailuresAsync(ip, limit, options.AuthFailuresOnRedisFailure, http.RequestAborted);
            if (!check.IsAllowed)
            {
                await RateLimitResponses.WriteRefusalAsync(http, check, null);
                return;
            }

            await next(http);
            if (http.Items.ContainsKey(BearerAuthenticationHandler.FailureReasonItem))
            {
                await limiter.RecordAuthFailureAsync(ip, limit, options.AuthFailuresOnRedisFailure, CancellationToken.None);
            }
        });
}
