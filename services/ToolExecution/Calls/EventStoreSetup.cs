using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Platform.ToolExecution.Calls;

/// <summary>
/// Creates the event store's tables at startup, one replica at a time, and keeps the service unready until they exist.
/// </summary>
/// <remarks>
/// Marten creates them on first use, which made the first tool call on a fresh database pay for the DDL inside its
/// commit: under load that took longer than <see cref="ToolCallRecorder.CommitTimeout"/> and the call was answered
/// 503 (seen in CI). Creating them from every replica's startup instead raced on the same DDL when replicas started
/// together on an empty database, so a PostgreSQL advisory lock lets one replica create them while the others wait
/// and then find them in place.
/// </remarks>
internal sealed partial class EventStoreSetup(IDocumentStore store, NpgsqlDataSource dataSource, TimeProvider time, ILogger<EventStoreSetup> logger)
    : BackgroundService, IHealthCheck
{
    public const string HealthCheckName = "event-store";

    /// <summary>Any constant that no other code of the platform locks on ("TOOLEVTS").</summary>
    private const long SetupLock = 0x544F4F4C45565453;

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    private volatile bool _ready;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_ready ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The event store for tool calls is being set up."));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CreateTablesAsync(stoppingToken);
                _ready = true;
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException && !stoppingToken.IsCancellationRequested)
            {
                // PostgreSQL not reachable yet (the platform starting together), or another replica's DDL in the way:
                // the first call would create the tables anyway, so keep trying without failing the service.
                LogRetry(logger, e.GetType().Name, delay.TotalSeconds);
                await Task.Delay(delay, time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, delay.Ticks * 2));
            }
        }
    }

    private async Task CreateTablesAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var take = new NpgsqlCommand("select pg_advisory_lock($1)", connection) { Parameters = { new() { Value = SetupLock } } })
        {
            await take.ExecuteNonQueryAsync(ct);
        }

        try
        {
            // Any read of the event store makes Marten create its tables, sequence and functions, as the first append would.
            await using var session = store.QuerySession();
            await session.Events.FetchStreamStateAsync(Guid.Empty, ct);
        }
        finally
        {
            await using var release = new NpgsqlCommand("select pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = SetupLock } } };
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Setting up the tool-call event store failed ({Error}); retrying in {Seconds} s.")]
    private static partial void LogRetry(ILogger logger, string error, double seconds);
}
