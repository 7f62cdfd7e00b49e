using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Platform.RateLimiting.Tests;

/// <summary>The adapter hosted by ASP.NET Core's own rate-limiting middleware, as ToolExecution will host it.</summary>
public sealed class RateLimitingMiddlewareTests(Platform.Testing.PlatformInfrastructure infrastructure) : IAsyncLifetime
{
    private ConnectionMultiplexer? _redis;

    public async ValueTask InitializeAsync() => _redis = await TestRedis.ConnectAsync(infrastructure.RedisConnectionString);

    public async ValueTask DisposeAsync() => await _redis!.DisposeAsync();

    [Fact]
    public async Task The_middleware_admits_the_limit_and_answers_429_with_retry_after()
    {
        using var redisLimiter = new RedisRateLimiter(_redis!);
        var tenant = TestRedis.NewTenant();
        var policy = new RateLimitPolicy { PerKey = new RateLimit(2, TimeSpan.FromMinutes(1)) };

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = new RedisPartitionedRateLimiter(redisLimiter)
                .WithTranslatedKey<HttpContext>(_ => new RateLimitRequest(tenant, "k1", null, policy), leaveOpen: false);
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, _) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                return ValueTask.CompletedTask;
            };
        });
        await using var app = builder.Build();
        app.UseRateLimiter();
        app.MapGet("/", () => "ok");
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var client = app.GetTestClient();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 3; i++)
        {
            last?.Dispose();
            last = await client.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.InRange(last!.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(30));
        last.Dispose();
    }
}
