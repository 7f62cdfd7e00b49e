using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Platform.RateLimiting;

/// <summary>
/// Checks and consumes every limit of a request in one atomic script run (see docs/rate-limits.md).
/// Thread-safe; one instance per process.
/// </summary>
public sealed class RedisRateLimiter : IDisposable
{
    public const string MeterName = "Platform.RateLimiting";

    private static readonly RedisScript Acquire = RedisScript.FromResource("acquire.lua");
    private static readonly RedisScript Release = RedisScript.FromResource("release.lua");

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisRateLimiterOptions _options;
    private readonly CircuitBreaker _circuit;
    private readonly LocalFallbackLimiter _fallback;
    private readonly OutageTracker _outage;
    private readonly Meter _meter;
    private readonly Counter<long> _decisions;

    public RedisRateLimiter(IConnectionMultiplexer redis, RedisRateLimiterOptions? options = null, TimeProvider? time = null, IMeterFactory? meterFactory = null)
    {
        _redis = redis;
        _options = options ?? new RedisRateLimiterOptions();
        _circuit = new CircuitBreaker(_options.FailuresToOpenCircuit, _options.CircuitCooldown, time ?? TimeProvider.System);
        _fallback = new LocalFallbackLimiter(_options.ReplicaCount, time ?? TimeProvider.System);
        _outage = new OutageTracker(time ?? TimeProvider.System, _options.OnAvailabilityChange);
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _decisions = _meter.CreateCounter<long>("platform.ratelimit.decisions", description: "Rate-limit decisions by outcome and deciding limit.");
    }

    public async Task<RateLimitDecision> AcquireAsync(RateLimitRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limits = RateLimitsOf(request);
        var concurrency = request.Limits.ConcurrencyPerKey;
        var leaseKey = concurrency is null ? null : RateLimitKeys.Concurrency(request.TenantId, request.KeyId);
        var leaseId = concurrency is null ? null : Guid.NewGuid().ToString("N");

        var decision = await DecideAsync(limits, concurrency, leaseKey, leaseId, dryRun: false, request.Limits.OnRedisFailure, cancellationToken).ConfigureAwait(false);
        if (decision.IsAllowed && leaseKey is not null && !decision.IsLocalFallback)
        {
            decision = decision with { Lease = new ConcurrencyLease(leaseKey, leaseId!) };
        }

        return decision;
    }

    /// <summary>
    /// Counts one failed authentication from <paramref name="clientIp"/> (a client's <see cref="ClientNetwork"/>); denied
    /// once it is over its limit.
    /// </summary>
    public Task<RateLimitDecision> RecordAuthFailureAsync(string clientIp, RateLimit limit, RedisFailureMode onRedisFailure = RedisFailureMode.FailOpen, CancellationToken cancellationToken = default) =>
        DecideAsync(AuthLimits(clientIp, limit), null, null, null, dryRun: false, onRedisFailure, cancellationToken);

    /// <summary>Whether <paramref name="clientIp"/> is blocked, without counting anything; checked before any key lookup.</summary>
    public Task<RateLimitDecision> CheckAuthFailuresAsync(string clientIp, RateLimit limit, RedisFailureMode onRedisFailure = RedisFailureMode.FailOpen, CancellationToken cancellationToken = default) =>
        DecideAsync(AuthLimits(clientIp, limit), null, null, null, dryRun: true, onRedisFailure, cancellationToken);

    /// <summary>Ends a concurrency lease early; a lease never released still expires after its timeout.</summary>
    public async Task ReleaseAsync(ConcurrencyLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        try
        {
            await Release.EvaluateAsync(_redis.GetDatabase(), [lease.RedisKey], [lease.LeaseId]).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRedisUnavailable(e))
        {
            // The lease expires on its own; failing the caller's request over it would be worse.
        }
    }

    public void Dispose()
    {
        _fallback.Dispose();
        _meter.Dispose();
    }

    private static List<(LimitKind Kind, string Key, RateLimit Limit)> RateLimitsOf(RateLimitRequest request)
    {
        var limits = new List<(LimitKind, string, RateLimit)>(3);
        var policy = request.Limits;
        if (policy.PerKey is { } perKey)
        {
            perKey.Validate(nameof(policy.PerKey));
            limits.Add((LimitKind.Key, RateLimitKeys.Key(request.TenantId, request.KeyId), perKey));
        }

        if (policy.PerTenant is { } perTenant)
        {
            perTenant.Validate(nameof(policy.PerTenant));
            limits.Add((LimitKind.Tenant, RateLimitKeys.Tenant(request.TenantId), perTenant));
        }

        if (policy.PerKeyAndTool is { } perTool && request.Tool is { } tool)
        {
            perTool.Validate(nameof(policy.PerKeyAndTool));
            limits.Add((LimitKind.KeyTool, RateLimitKeys.KeyTool(request.TenantId, request.KeyId, tool), perTool));
        }

        return limits;
    }

    private static List<(LimitKind Kind, string Key, RateLimit Limit)> AuthLimits(string clientIp, RateLimit limit)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientIp);
        ArgumentNullException.ThrowIfNull(limit);
        limit.Validate(nameof(limit));
        return [(LimitKind.AuthFailures, RateLimitKeys.AuthFailures(clientIp), limit)];
    }

    private async Task<RateLimitDecision> DecideAsync(
        List<(LimitKind Kind, string Key, RateLimit Limit)> limits,
        ConcurrencyLimit? concurrency,
        string? leaseKey,
        string? leaseId,
        bool dryRun,
        RedisFailureMode onFailure,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (limits.Count == 0 && concurrency is null)
        {
            return Record(new RateLimitDecision(RateLimitOutcome.Allowed, LimitKind.None, TimeSpan.Zero, 0, TimeSpan.Zero));
        }

        // While the circuit is open no exception says why; the outage keeps the cause of the failure that opened it.
        var cause = "circuit_open";
        if (_circuit.AllowsRequest)
        {
            try
            {
                var decision = await EvaluateAsync(limits, concurrency, leaseKey, leaseId, dryRun).ConfigureAwait(false);
                _circuit.RecordSuccess();
                _outage.DecidedWithRedis();
                return Record(decision);
            }
            catch (Exception e) when (IsRedisUnavailable(e))
            {
                _circuit.RecordFailure();
                cause = CauseOf(e);
            }
        }

        _outage.DecidedWithoutRedis(onFailure, cause);
        return Record(onFailure == RedisFailureMode.FailClosed
            ? new RateLimitDecision(RateLimitOutcome.Unavailable, LimitKind.None, _options.UnavailableRetryAfter, 0, _options.UnavailableRetryAfter)
            : _fallback.Acquire(limits));
    }

    private async Task<RateLimitDecision> EvaluateAsync(
        List<(LimitKind Kind, string Key, RateLimit Limit)> limits,
        ConcurrencyLimit? concurrency,
        string? leaseKey,
        string? leaseId,
        bool dryRun)
    {
        var keys = new RedisKey[limits.Count + (leaseKey is null ? 0 : 1)];
        var args = new RedisValue[2 + (2 * limits.Count) + 3];
        args[0] = limits.Count;
        args[1] = dryRun ? 1 : 0;
        for (var i = 0; i < limits.Count; i++)
        {
            keys[i] = limits[i].Key;
            args[2 + (2 * i)] = limits[i].Limit.PermitLimit;
            args[3 + (2 * i)] = limits[i].Limit.WindowMilliseconds;
        }

        var tail = 2 + (2 * limits.Count);
        if (concurrency is not null && leaseKey is not null)
        {
            keys[^1] = leaseKey;
            args[tail] = concurrency.MaxInFlight;
            args[tail + 1] = (long)concurrency.LeaseTimeout.TotalMilliseconds;
            args[tail + 2] = leaseId;
        }
        else
        {
            args[tail] = 0;
            args[tail + 1] = 0;
            args[tail + 2] = string.Empty;
        }

        var reply = (RedisResult[])(await Acquire.EvaluateAsync(_redis.GetDatabase(), keys, args).ConfigureAwait(false))!;
        var allowed = (long)reply[0] == 1;
        var index = (int)reply[1];
        var kind = index == 0 ? LimitKind.None : index <= limits.Count ? limits[index - 1].Kind : LimitKind.Concurrency;
        return new RateLimitDecision(
            allowed ? RateLimitOutcome.Allowed : RateLimitOutcome.Denied,
            kind,
            TimeSpan.FromMilliseconds((long)reply[2]),
            (long)reply[3],
            TimeSpan.FromMilliseconds((long)reply[4]))
        {
            Policy = index >= 1 && index <= limits.Count ? limits[index - 1].Limit : null,
        };
    }

    private RateLimitDecision Record(RateLimitDecision decision)
    {
        var outcome = decision.Outcome switch
        {
            RateLimitOutcome.Allowed => decision.IsLocalFallback ? "allowed_local" : "allowed",
            RateLimitOutcome.Denied => decision.IsLocalFallback ? "denied_local" : "denied",
            _ => "unavailable",
        };
        _decisions.Add(1, new("outcome", outcome), new("limit", decision.Limit.ToString().ToLowerInvariant()));
        return decision;
    }

    private static string CauseOf(Exception e) => e switch
    {
        RedisTimeoutException => "timeout",
        ObjectDisposedException => "disposed",
        RedisServerException => "loading",
        _ => "connection",
    };

    private static bool IsRedisUnavailable(Exception e) =>
        e is RedisConnectionException or RedisTimeoutException or ObjectDisposedException
        || (e is RedisServerException s && s.Message.StartsWith("LOADING", StringComparison.Ordinal));

    /// <summary>A script run with EVALSHA, falling back to EVAL when the server lost its script cache (restart, SCRIPT FLUSH, failover).</summary>
    private sealed class RedisScript(string source)
    {
        private readonly byte[] _sha1 = Sha1(source);

        public static RedisScript FromResource(string name)
        {
            using var stream = typeof(RedisScript).Assembly.GetManifestResourceStream($"Platform.RateLimiting.Scripts.{name}")
                ?? throw new InvalidOperationException($"Missing embedded script {name}.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return new RedisScript(reader.ReadToEnd());
        }

        public async Task<RedisResult> EvaluateAsync(IDatabaseAsync database, RedisKey[] keys, RedisValue[] args)
        {
            try
            {
                return await database.ScriptEvaluateAsync(_sha1, keys, args).ConfigureAwait(false);
            }
            catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
            {
                // EVAL both runs the script and caches it again, so the next EVALSHA succeeds.
                return await database.ScriptEvaluateAsync(source, keys, args).ConfigureAwait(false);
            }
        }

        [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "Redis names scripts by SHA-1; this is an identifier, not a security boundary.")]
        private static byte[] Sha1(string text) => SHA1.HashData(Encoding.UTF8.GetBytes(text));
    }
}
