using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Platform.ServiceDefaults.Storage;

public static class RedisExtensions
{
    /// <summary>
    /// One multiplexer per process from Aspire's <c>ConnectionStrings__redis</c>. It never aborts on a failed connect:
    /// Redis being down is a state the rate limiter handles (fail-open or fail-closed), not a reason to crash.
    /// </summary>
    public static IHostApplicationBuilder AddRedis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ =>
        {
            var connectionString = builder.Configuration.GetConnectionString("redis") is { Length: > 0 } value
                ? value
                : throw new InvalidOperationException("ConnectionStrings:redis is not configured (run through the AppHost, or set ConnectionStrings__redis).");
            var options = ConfigurationOptions.Parse(connectionString);
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = 2000;
            options.SyncTimeout = 1000;
            options.AsyncTimeout = 1000;
            // While disconnected, fail at once instead of queueing for AsyncTimeout: the rate limiter's fallback
            // (fail-open or fail-closed) then decides in microseconds, not after a second per request.
            options.BacklogPolicy = BacklogPolicy.FailFast;
            return ConnectionMultiplexer.Connect(options);
        });

        // Degraded, not Unhealthy: pulling every replica out of rotation while Redis is down would defeat fail-open.
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            "redis", sp => new RedisHealthCheck(sp.GetRequiredService<IConnectionMultiplexer>()), HealthStatus.Degraded, [Extensions.ReadinessTag]));
        return builder;
    }

    private sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await redis.GetDatabase().PingAsync().ConfigureAwait(false);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, "Redis is unreachable", ex);
            }
        }
    }
}
