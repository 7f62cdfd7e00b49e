using Microsoft.Extensions.Options;
using Platform.Contracts.Auth;
using Platform.RateLimiting;
using Platform.ServiceDefaults.Authentication;
using Platform.ToolExecution.Calls;
using Platform.ToolExecution.Mcp;

namespace Platform.ToolExecution.RateLimits;

/// <summary>
/// Checks and consumes every limit of a tool call in one Redis round trip before the tool runs, holds the key's
/// concurrency lease for the call's duration, and records a refusal as a rejected call for the audit trail.
/// </summary>
public sealed class ToolCallRateLimits(RedisRateLimiter limiter, IOptionsMonitor<RateLimitOptions> options, IOptions<McpOptions> mcp)
{
    /// <summary>Tenant id used for credentials that belong to no tenant (the bootstrap admin key).</summary>
    public const string PlatformTenant = "platform";

    public async Task RunAsync(HttpContext http, McpRequest request, RequestDelegate next)
    {
        var limits = http.Features.Get<VerifyKeyResponse>()?.Limits;
        var keyId = http.User.KeyIdOf();
        if (limits is null || keyId is null)
        {
            await next(http);
            return;
        }

        var tenant = http.User.TenantOf() is { Length: > 0 } t ? t : PlatformTenant;
        var decision = await limiter.AcquireAsync(new RateLimitRequest(tenant, keyId, request.ToolName, PolicyFor(limits)), http.RequestAborted);
        if (!decision.IsAllowed)
        {
            var recorder = http.RequestServices.GetRequiredService<ToolCallRecorder>();
            var call = recorder.Begin(request.ToolName ?? "", http.User, http.Connection.RemoteIpAddress?.ToString(), null);
            await recorder.RecordAsync(call, CallOutcome.Rejected(RejectionReasons.RateLimited));
            await RateLimitResponses.WriteRefusalAsync(http, decision, request.Id);
            return;
        }

        RateLimitResponses.AddHeaders(http.Response, decision);
        try
        {
            await next(http);
        }
        finally
        {
            if (decision.Lease is { } lease)
            {
                await limiter.ReleaseAsync(lease);
            }
        }
    }

    /// <summary>The plan's per-minute limits from Auth's verification answer.</summary>
    private RateLimitPolicy PolicyFor(PlanLimits limits)
    {
        var minute = TimeSpan.FromMinutes(1);
        return new RateLimitPolicy
        {
            PerKey = Rate(limits.RequestsPerMinutePerKey, minute),
            PerTenant = Rate(limits.RequestsPerMinutePerTenant, minute),
            PerKeyAndTool = Rate(limits.RequestsPerMinutePerKeyAndTool, minute),
            // A lease outlives the longest a call may run, so a crashed node's leases free themselves.
            ConcurrencyPerKey = limits.ConcurrentCallsPerKey > 0
                ? new ConcurrencyLimit(limits.ConcurrentCallsPerKey, mcp.Value.DefaultToolTimeout + TimeSpan.FromSeconds(30))
                : null,
            OnRedisFailure = options.CurrentValue.OnRedisFailure,
        };
    }

    /// <summary>
    /// A limit finer than GCRA can space (more than one request per microsecond) is effectively no limit; treating it
    /// as none keeps an over-generous plan from failing every call.
    /// </summary>
    private static RateLimit? Rate(int perWindow, TimeSpan window) =>
        perWindow > 0 && perWindow <= window.TotalMilliseconds * 1000 ? new RateLimit(perWindow, window) : null;
}
