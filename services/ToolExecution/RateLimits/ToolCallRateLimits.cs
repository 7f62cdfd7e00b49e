using Microsoft.Extensions.Options;
using Platform.Contracts.Auth;
using Platform.RateLimiting;
using Platform.Authentication;
using Platform.ToolExecution.Calls;
using Platform.ToolExecution.Mcp;

namespace Platform.ToolExecution.RateLimits;

/// <summary>
/// Checks and consumes every limit of a tool call in one Redis round trip before the tool runs, holds the caller's
/// concurrency lease for the call's duration, and records a refusal as a rejected call for the audit trail.
/// </summary>
public sealed class ToolCallRateLimits(RedisRateLimiter limiter, IOptionsMonitor<RateLimitOptions> options, IOptions<McpOptions> mcp)
{
    /// <summary>Tenant id used for credentials that belong to no tenant (the bootstrap admin key).</summary>
    public const string PlatformTenant = "platform";

    public async Task RunAsync(HttpContext http, McpRequest request, RequestDelegate next)
    {
        var limits = http.Features.Get<VerifyKeyResponse>()?.Limits;
        // The per-key limits partition by subject: a key's id, or a person's id for a person's token, so a person's
        // budget is one whatever the number of OAuth clients they authorize (docs/oauth.md, "Rate limits").
        var subject = http.User.SubjectOf();
        if (limits is null || subject is null)
        {
            await next(http);
            return;
        }

        var tenant = http.User.TenantOf() is { Length: > 0 } t ? t : PlatformTenant;
        var decision = await limiter.AcquireAsync(new RateLimitRequest(tenant, subject, request.ToolName, PolicyFor(limits)), http.RequestAborted);
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

    /// <summary>
    /// How long a concurrency lease outlives the longest a call may run. The call filter cancels every tool, built-in or
    /// upstream, at <see cref="McpOptions.DefaultToolTimeout"/>; the margin covers what follows (recording the call,
    /// writing the answer). A replica that dies mid-call frees its slots after this, never before a live call ends.
    /// </summary>
    public static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(30);

    private RateLimitPolicy PolicyFor(PlanLimits limits) =>
        PolicyFor(limits, mcp.Value.DefaultToolTimeout, options.CurrentValue.OnRedisFailure);

    /// <summary>The plan's per-minute limits from Auth's verification answer.</summary>
    internal static RateLimitPolicy PolicyFor(PlanLimits limits, TimeSpan toolTimeout, RedisFailureMode onRedisFailure)
    {
        var minute = TimeSpan.FromMinutes(1);
        return new RateLimitPolicy
        {
            PerKey = Rate(limits.RequestsPerMinutePerKey, minute),
            PerTenant = Rate(limits.RequestsPerMinutePerTenant, minute),
            PerKeyAndTool = Rate(limits.RequestsPerMinutePerKeyAndTool, minute),
            ConcurrencyPerKey = limits.ConcurrentCallsPerKey > 0
                ? new ConcurrencyLimit(limits.ConcurrentCallsPerKey, toolTimeout + LeaseMargin)
                : null,
            OnRedisFailure = onRedisFailure,
        };
    }

    /// <summary>
    /// A limit finer than GCRA can space (more than one request per microsecond) is effectively no limit; treating it
    /// as none keeps an over-generous plan from failing every call.
    /// </summary>
    private static RateLimit? Rate(int perWindow, TimeSpan window) =>
        perWindow > 0 && perWindow <= window.TotalMilliseconds * 1000 ? new RateLimit(perWindow, window) : null;
}
