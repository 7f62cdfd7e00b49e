using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Platform.RateLimiting;
using Platform.ServiceDefaults.Storage;
using StackExchange.Redis;

namespace Platform.ToolExecution.RateLimits;

internal static class RateLimitRegistration
{
    public static void AddToolCallRateLimits(this IHostApplicationBuilder builder)
    {
        builder.AddRedis();
        builder.Services.Configure<RateLimitOptions>(builder.Configuration.GetSection(RateLimitOptions.Section));
        builder.Services.AddSingleton<RedisOutageAudit>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisOutageAudit>());
        builder.Services.AddSingleton(sp => new RedisRateLimiter(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            new RedisRateLimiterOptions
            {
                ReplicaCount = Math.Max(1, sp.GetRequiredService<IOptions<RateLimitOptions>>().Value.ReplicaCount),
                OnAvailabilityChange = sp.GetRequiredService<RedisOutageAudit>().Report,
            },
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IMeterFactory>()));
        builder.Services.AddSingleton<ToolCallRateLimits>();
    }
}
