using Marten;
using Microsoft.Extensions.Options;
using Platform.Audit.Chain;
using Platform.Audit.Checkpoints;

namespace Platform.Audit.Retention;

public sealed class RetentionOptions
{
    public const string Section = "Audit:Retention";

    /// <summary>
    /// How long records are kept. Until plans carry AuditRetentionDays from Auth this one value applies to every
    /// tenant: the chain is shared, so it can only lose a prefix, which the longest retention bounds.
    /// </summary>
    public int Days { get; set; } = 90;

    public int IntervalMinutes { get; set; } = 60;
}

/// <summary>
/// Prunes the chain's oldest records, only ever up to a checkpoint: the newest checkpoint written at or before the
/// cut-off becomes the chain's anchor, so verification starts from a signed (seq, hash) and still passes.
/// </summary>
public sealed partial class RetentionJob(
    IDocumentStore store, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(Math.Max(1, options.Value.IntervalMinutes)), time);
        try
        {
            do
            {
                try
                {
                    await PruneAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // a failed run (database restarting) must not stop later ones
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    LogPruneFailed(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Returns the new anchor, or null when no checkpoint is old enough yet.</summary>
    public async Task<AuditCheckpoint?> PruneAsync(DateTimeOffset now, CancellationToken ct)
    {
        var cutOff = now.AddDays(-options.Value.Days);
        await using var session = store.LightweightSession();
        var current = (await session.LoadAsync<ChainAnchor>(ChainAnchor.SingletonId, ct).ConfigureAwait(false))?.Checkpoint;
        var anchor = await session.Query<AuditCheckpoint>().Where(c => c.At <= cutOff)
            .OrderByDescending(c => c.Seq).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (anchor is null || (current is not null && anchor.Seq <= current.Seq))
        {
            return null;
        }

        var seq = anchor.Seq;
        session.DeleteWhere<AuditRecord>(r => r.Seq <= seq);
        session.DeleteWhere<AuditCheckpoint>(c => c.Seq < seq);
        session.Store(new ChainAnchor { Checkpoint = anchor });
        await session.SaveChangesAsync(ct).ConfigureAwait(false);
        LogPruned(logger, seq);
        return anchor;
    }

    [LoggerMessage(LogLevel.Information, "Pruned audit records through seq {Seq}; its checkpoint is the chain's new anchor")]
    private static partial void LogPruned(ILogger logger, long seq);

    [LoggerMessage(LogLevel.Warning, "Audit retention run failed; the next run tries again")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
