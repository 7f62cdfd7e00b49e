using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Platform.RateLimiting.Tests;

public sealed class DecisionMetricTests(Platform.Testing.PlatformInfrastructure infrastructure) : IAsyncLifetime
{
    private ConnectionMultiplexer? _redis;

    public async ValueTask InitializeAsync() => _redis = await TestRedis.ConnectAsync(infrastructure.RedisConnectionString);

    public async ValueTask DisposeAsync() => await _redis!.DisposeAsync();

    [Fact]
    public async Task Every_decision_is_counted_by_outcome_and_limit()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var counted = new List<(long Value, string Outcome, string Limit)>();
        using var listener = new MeterListener();
        // Only this test's factory: other tests run in parallel and report to meters of the same name.
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meterFactory && instrument.Name == "platform.ratelimit.decisions")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var tagList = tags.ToArray();
            lock (counted)
            {
                counted.Add((value, (string)tagList.Single(t => t.Key == "outcome").Value!, (string)tagList.Single(t => t.Key == "limit").Value!));
            }
        });
        listener.Start();

        using var limiter = new RedisRateLimiter(_redis!, meterFactory: meterFactory);
        var request = TestRedis.Request(TestRedis.NewTenant(), new RateLimitPolicy { PerKey = new RateLimit(1, TimeSpan.FromMinutes(1)) });
        await limiter.AcquireAsync(request, TestContext.Current.CancellationToken);
        await limiter.AcquireAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal([(1L, "allowed", "key"), (1L, "denied", "key")], counted);
    }
}
