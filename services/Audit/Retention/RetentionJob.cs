using Marten;
using Microsoft.Extensions.Options;
using Platform.Audit.Chain;
using Platform.Audit.Checkpoints;

namespace Platform.Audit.Retention;

public sealed class RetentionOptions
{
    public const string Section = "Audit:Retention";

    /// <summary>
    /// The retention of records whose tenant Audit has no plan retention for: records without a tenant
    /// (<c>auth.failed</c> by client IP), tenants created before their events carried it, or tenants Audit never saw.
    /// </summary>
    public int Days { get; set; } = 90;

    public int IntervalMinutes { get; set; } = 60;
}

/// <summary>
/// Prunes the chain's oldest records by each tenant's plan retention. The chain is one hash chain for every tenant,
/// so it can only lose a prefix: the prune cuts before the oldest record that some tenant's retention still keeps,
/// and only at a checkpoint, which becomes the chain's anchor so verification starts from a signed (seq, hash).
/// A plan's retention is therefore a minimum: a record past it stays until every older record has expired too
/// (docs/audit-chain.md, "Retention and the anchor").
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

    /// <summary>Returns the new anchor, or null when no checkpoint precedes the oldest record still kept.</summary>
    public async Task<AuditCheckpoint?> PruneAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        // Read first: records appended while this runs come after it and are never cut by this run.
        var head = await session.LoadAsync<ChainHead>(ChainHead.SingletonId, ct).ConfigureAwait(false);
        if (head is null)
        {
            return null;
        }

        var current = (await session.LoadAsync<ChainAnchor>(ChainAnchor.SingletonId, ct).ConfigureAwait(false))?.Checkpoint;
        var oldestKept = await OldestKeptSeqAsync(session, now, ct).ConfigureAwait(false) ?? head.Seq + 1;
        var anchor = await session.Query<AuditCheckpoint>().Where(c => c.Seq < oldestKept && c.Seq <= head.Seq)
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

    /// <summary>
    /// The lowest seq of a record still within its tenant's retention (by event time <c>at</c>), or null when none
    /// is. One query per distinct retention period, each bounded by the <c>at</c> index.
    /// </summary>
    private async Task<long?> OldestKeptSeqAsync(IQuerySession session, DateTimeOffset now, CancellationToken ct)
    {
        var known = await session.Query<TenantRetention>().Where(t => t.Days != null).ToListAsync(ct).ConfigureAwait(false);
        var knownIds = known.Select(t => t.Id).ToArray();
        long? oldest = null;
        foreach (var period in known.GroupBy(t => t.Days!.Value))
        {
            var cutOff = now.AddDays(-period.Key);
            var tenants = period.Select(t => t.Id).ToArray();
            oldest = Min(oldest, await FirstSeqAsync(session.Query<AuditRecord>().Where(r => r.At > cutOff && r.TenantId.IsOneOf(tenants)), ct).ConfigureAwait(false));
        }

        var defaultCutOff = now.AddDays(-options.Value.Days);
        var others = session.Query<AuditRecord>().Where(r => r.At > defaultCutOff);
        if (knownIds.Length > 0)
        {
            others = others.Where(r => r.TenantId == null || !r.TenantId.IsOneOf(knownIds));
        }

        return Min(oldest, await FirstSeqAsync(others, ct).ConfigureAwait(false));
    }

    private static async Task<long?> FirstSeqAsync(IQueryable<AuditRecord> records, CancellationToken ct) =>
        (await records.OrderBy(r => r.Seq).FirstOrDefaultAsync(ct).ConfigureAwait(false))?.Seq;

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    [LoggerMessage(LogLevel.Information, "Pruned audit records through seq {Seq}; its checkpoint is the chain's new anchor")]
    private static partial void LogPruned(ILogger logger, long seq);

    [LoggerMessage(LogLevel.Warning, "Audit retention run failed; the next run tries again")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
