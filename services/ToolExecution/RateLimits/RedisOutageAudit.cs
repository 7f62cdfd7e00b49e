using System.Diagnostics;
using System.Threading.Channels;
using Platform.Contracts.RateLimits;
using Platform.RateLimiting;
using Wolverine;

namespace Platform.ToolExecution.RateLimits;

/// <summary>
/// Publishes the rate limiter's Redis outage transitions to the audit trail. The limiter reports them on a request's
/// thread, so they are queued here and published off the request path, through Wolverine's durable outbox like every
/// other audit event. An outage is at most a few events per process (see <see cref="RedisAvailabilityChange"/>).
/// </summary>
public sealed partial class RedisOutageAudit(IServiceProvider services, TimeProvider time, ILogger<RedisOutageAudit> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    private readonly Channel<(RedisAvailabilityChange Change, string? TraceId)> _changes =
        Channel.CreateUnbounded<(RedisAvailabilityChange, string?)>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Which replica saw the outage: the pod name under Kubernetes, plus the process id.</summary>
    public static string Node { get; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>
    /// Called on the thread of the request that saw the change, so the event carries that request's trace id: an
    /// operator can follow the audit record to the request that first met the outage (or the recovery).
    /// </summary>
    public void Report(RedisAvailabilityChange change) => _changes.Writer.TryWrite((change, Activity.Current?.TraceId.ToString()));

    public static object ToEvent(RedisAvailabilityChange change, string? traceId) => change switch
    {
        RedisUnavailable u => new RateLimiterRedisUnavailable(Guid.CreateVersion7(), Node,
            u.Mode == RedisFailureMode.FailClosed ? RedisFailureModes.FailClosed : RedisFailureModes.FailOpen,
            u.Cause, u.Since, u.At, traceId),
        RedisRecovered r => new RateLimiterRedisRecovered(Guid.CreateVersion7(), Node, r.Since, r.FailOpenDecisions, r.FailClosedDecisions, r.At, traceId),
        _ => throw new ArgumentOutOfRangeException(nameof(change), change.GetType().Name, "Unknown availability change."),
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (change, traceId) in _changes.Reader.ReadAllAsync(stoppingToken))
            {
                await PublishAsync(ToEvent(change, traceId), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PublishAsync(object message, CancellationToken stoppingToken)
    {
        // PostgreSQL may be restarting too; keep the event until it can be stored rather than lose the record.
        while (true)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<IMessageBus>().PublishAsync(message);
                return;
            }
#pragma warning disable CA1031 // any failure to store the event is retried; the loop ends only at shutdown
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                LogPublishFailed(logger, message.GetType().Name, e.GetType().Name);
                await Task.Delay(RetryDelay, time, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish {Event} for the audit trail ({Error}); retrying")]
    private static partial void LogPublishFailed(ILogger logger, string @event, string error);
}
