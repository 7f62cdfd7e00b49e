using Platform.Contracts.Auth;
using Platform.RateLimiting;
using Platform.ToolExecution.RateLimits;

namespace Platform.ToolExecution.Tests;

/// <summary>How a plan from Auth's verification answer becomes the limiter's policy.</summary>
public sealed class RateLimitPolicyTests
{
    private static readonly PlanLimits Plan = new("p", 60, 600, 30, 4, 7);

    [Fact]
    public void A_concurrency_lease_outlives_the_tool_timeout_so_only_a_dead_replica_loses_its_slots_to_expiry()
    {
        var toolTimeout = TimeSpan.FromMinutes(5);

        var policy = ToolCallRateLimits.PolicyFor(Plan, toolTimeout, RedisFailureMode.FailOpen);

        Assert.Equal(4, policy.ConcurrencyPerKey!.MaxInFlight);
        Assert.True(policy.ConcurrencyPerKey.LeaseTimeout >= toolTimeout + TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Plan_limits_are_per_minute_and_the_failure_mode_comes_from_configuration()
    {
        var policy = ToolCallRateLimits.PolicyFor(Plan, TimeSpan.FromSeconds(30), RedisFailureMode.FailClosed);

        Assert.Equal(new RateLimit(60, TimeSpan.FromMinutes(1)), policy.PerKey);
        Assert.Equal(new RateLimit(600, TimeSpan.FromMinutes(1)), policy.PerTenant);
        Assert.Equal(new RateLimit(30, TimeSpan.FromMinutes(1)), policy.PerKeyAndTool);
        Assert.Equal(RedisFailureMode.FailClosed, policy.OnRedisFailure);
    }
}
