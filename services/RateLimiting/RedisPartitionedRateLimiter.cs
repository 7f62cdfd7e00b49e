using System.Threading.RateLimiting;

namespace Platform.RateLimiting;

/// <summary>
/// <see cref="RedisRateLimiter"/> as a <see cref="PartitionedRateLimiter{TResource}"/>, so ASP.NET Core's rate-limiting
/// middleware can host it. Only <c>AcquireAsync</c> asks Redis: a synchronous <c>AttemptAcquire</c> would block a thread
/// on a network round trip, so it answers "not acquired" and the middleware falls through to <c>AcquireAsync</c>.
/// </summary>
public sealed class RedisPartitionedRateLimiter(RedisRateLimiter limiter) : PartitionedRateLimiter<RateLimitRequest>
{
    public const string LimitMetadataName = "RATE_LIMIT_LIMIT";
    public const string DecisionMetadataName = "RATE_LIMIT_DECISION";

    public override RateLimiterStatistics? GetStatistics(RateLimitRequest resource) => null;

    protected override RateLimitLease AttemptAcquireCore(RateLimitRequest resource, int permitCount) =>
        permitCount == 0 ? new DecisionLease(null, null) : DecisionLease.NotAttempted;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(RateLimitRequest resource, int permitCount, CancellationToken cancellationToken)
    {
        // Each request is one permit of every limit; the script has no notion of weighted requests.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, 1);
        var decision = await limiter.AcquireAsync(resource, cancellationToken).ConfigureAwait(false);
        return new DecisionLease(decision, limiter);
    }

    private sealed class DecisionLease(RateLimitDecision? decision, RedisRateLimiter? limiter) : RateLimitLease
    {
        public static readonly DecisionLease NotAttempted = new(
            new RateLimitDecision(RateLimitOutcome.Denied, LimitKind.None, TimeSpan.Zero, 0, TimeSpan.Zero), null);

        private int _disposed;

        public override bool IsAcquired => decision is null || decision.IsAllowed;

        public override IEnumerable<string> MetadataNames =>
            decision is null ? [] : [MetadataName.RetryAfter.Name, MetadataName.ReasonPhrase.Name, LimitMetadataName, DecisionMetadataName];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = decision is null ? null : metadataName switch
            {
                _ when metadataName == MetadataName.RetryAfter.Name && !decision.IsAllowed => decision.RetryAfter,
                _ when metadataName == MetadataName.ReasonPhrase.Name && !decision.IsAllowed => $"rate limit exceeded: {decision.Limit}",
                LimitMetadataName => decision.Limit,
                DecisionMetadataName => decision,
                _ => null,
            };
            return metadata is not null;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && decision?.Lease is { } lease && limiter is not null && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                // Dispose cannot await; ReleaseAsync swallows Redis failures and the lease expires anyway.
                _ = limiter.ReleaseAsync(lease);
            }

            base.Dispose(disposing);
        }
    }
}
