using Marten;
using Npgsql;
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
/// Applies each tenant's plan retention to the one hash chain all tenants share, as a hard maximum, in two steps:
/// <list type="number">
/// <item>it prunes the chain's prefix before the oldest record some tenant's retention still keeps, at a checkpoint,
/// which becomes the chain's anchor so verification starts from a signed (seq, hash);</item>
/// <item>it erases the records past their tenant's retention that the prefix could not lose because an older record
/// of another tenant is still kept: their rows are deleted and a signed <see cref="AuditErasure"/> per run of
/// consecutive seqs takes their place in the chain.</item>
/// </list>
/// docs/audit-chain.md, "Retention and the anchor".
/// </summary>
public sealed partial class RetentionJob(
    IDocumentStore store, CheckpointSigner signer, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionJob> logger)
    : BackgroundService
{
    /// <summary>Records erased per transaction: bounds a transaction's size and the memory of one step.</summary>
    public const int EraseBatch = 1000;

    /// <summary>Serializes the job across Audit replicas, which each run it: two erasing the same records could sign overlapping spans.</summary>
    private const long LockKey = 0x4155_4449_5452_4554; // "AUDITRET"

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(Math.Max(1, options.Value.IntervalMinutes)), time);
        try
        {
            do
            {
                try
                {
                    await RunAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // a failed run (database restarting) must not stop later ones
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    LogRunFailed(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public sealed record Outcome(AuditCheckpoint? NewAnchor, long Erased);

    public async Task<Outcome> RunAsync(DateTimeOffset now, CancellationToken ct)
    {
        var anchor = await PruneAsync(now, ct).ConfigureAwait(false);
        return new Outcome(anchor, await EraseExpiredAsync(now, ct).ConfigureAwait(false));
    }

    /// <summary>Returns the new anchor, or null when no checkpoint precedes the oldest record still kept.</summary>
    public async Task<AuditCheckpoint?> PruneAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var session = await LockedSessionAsync(ct).ConfigureAwait(false);
        // Read first: records appended while this runs come after it and are never cut by this run.
        var head = await session.LoadAsync<ChainHead>(ChainHead.SingletonId, ct).ConfigureAwait(false);
        if (head is null)
        {
            return null;
        }

        var current = (await session.LoadAsync<ChainAnchor>(ChainAnchor.SingletonId, ct).ConfigureAwait(false))?.Checkpoint;
        var keptFrom = head.Seq + 1;
        foreach (var period in await PeriodsAsync(session, now, ct).ConfigureAwait(false))
        {
            var first = await SelectAsync(session, $"select seq from {ChainTable.Name} where at > $1 and {period.Governs} order by seq limit 1",
                reader => reader.GetInt64(0), ct, period.CutOff, period.TenantIds).ConfigureAwait(false);
            keptFrom = first is [var seq, ..] ? Math.Min(keptFrom, seq) : keptFrom;
        }

        var anchor = await session.Query<AuditCheckpoint>().Where(c => c.Seq < keptFrom && c.Seq <= head.Seq)
            .OrderByDescending(c => c.Seq).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (anchor is null || (current is not null && anchor.Seq <= current.Seq))
        {
            return null;
        }

        var anchorSeq = anchor.Seq;
        session.QueueSqlCommand($"delete from {ChainTable.Name} where seq <= ?", anchorSeq);
        session.DeleteWhere<AuditCheckpoint>(c => c.Seq < anchorSeq);
        // Erasures are split at checkpoints, so none straddles the anchor.
        session.DeleteWhere<AuditErasure>(e => e.ToSeq <= anchorSeq);
        session.Store(new ChainAnchor { Checkpoint = anchor });
        await session.SaveChangesAsync(ct).ConfigureAwait(false);
        LogPruned(logger, anchorSeq);
        return anchor;
    }

    /// <summary>
    /// Erases every record after the anchor whose tenant's retention has passed, <see cref="EraseBatch"/> per
    /// transaction. A run of consecutive erased seqs gets one signed <see cref="AuditErasure"/>; runs end at
    /// checkpoints, so each checkpoint still signs the hash of a link the verifier holds (a record's, or an erasure's
    /// last), and any checkpoint can become the anchor later.
    /// </summary>
    /// <returns>How many records were erased.</returns>
    public async Task<long> EraseExpiredAsync(DateTimeOffset now, CancellationToken ct)
    {
        long erased = 0;
        while (true)
        {
            await using var session = await LockedSessionAsync(ct).ConfigureAwait(false);
            var anchorSeq = (await session.LoadAsync<ChainAnchor>(ChainAnchor.SingletonId, ct).ConfigureAwait(false))?.Checkpoint.Seq ?? 0;
            var expired = new List<(long Seq, string PrevHash, string Hash)>();
            foreach (var period in await PeriodsAsync(session, now, ct).ConfigureAwait(false))
            {
                expired.AddRange(await SelectAsync(session,
                    $"select seq, prev_hash, hash from {ChainTable.Name} where at <= $1 and {period.Governs} and seq > $3 order by seq limit {EraseBatch}",
                    reader => (reader.GetInt64(0), reader.GetString(1), reader.GetString(2)), ct, period.CutOff, period.TenantIds, anchorSeq)
                    .ConfigureAwait(false));
            }

            if (expired.Count == 0)
            {
                return erased;
            }

            expired = [.. expired.OrderBy(r => r.Seq).Take(EraseBatch)];
            var (first, last) = (expired[0].Seq, expired[^1].Seq);
            var checkpointed = (await session.Query<AuditCheckpoint>().Where(c => c.Seq >= first && c.Seq < last).Select(c => c.Seq)
                .ToListAsync(ct).ConfigureAwait(false)).ToHashSet();
            var runStart = 0;
            for (var i = 0; i < expired.Count; i++)
            {
                var seq = expired[i].Seq;
                if (i == expired.Count - 1 || expired[i + 1].Seq != seq + 1 || checkpointed.Contains(seq))
                {
                    session.Insert(await signer.SignErasureAsync(expired[runStart].Seq, seq, expired[runStart].PrevHash, expired[i].Hash, time.GetUtcNow(), ct)
                        .ConfigureAwait(false));
                    runStart = i + 1;
                }
            }

            var seqs = expired.Select(r => r.Seq).ToArray();
            session.QueueSqlCommand($"delete from {ChainTable.Name} where seq = any(?)", seqs);
            await session.SaveChangesAsync(ct).ConfigureAwait(false);
            erased += seqs.Length;
            LogErased(logger, seqs.Length, first, last);
            if (seqs.Length < EraseBatch)
            {
                return erased;
            }
        }
    }

    /// <summary>A session in a transaction that holds the job's lock, so its reads and writes are not interleaved with another replica's run.</summary>
    private async Task<IDocumentSession> LockedSessionAsync(CancellationToken ct)
    {
        var session = store.LightweightSession();
        try
        {
            await session.BeginTransactionAsync(ct).ConfigureAwait(false);
            await SelectAsync(session, "select pg_advisory_xact_lock($1)", _ => 0, ct, LockKey).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// One retention period and the records it governs: <see cref="Governs"/> is SQL over <c>tenant_id</c> whose
    /// parameter <c>$2</c> is <see cref="TenantIds"/>.
    /// </summary>
    private sealed record Period(DateTimeOffset CutOff, string Governs, string[] TenantIds);

    /// <summary>
    /// The retention periods in use: one per distinct plan retention Audit knows (with its tenants), and the default
    /// one for every other record. Each query over a period is bounded by the <c>at</c> index.
    /// </summary>
    private async Task<List<Period>> PeriodsAsync(IQuerySession session, DateTimeOffset now, CancellationToken ct)
    {
        var known = await session.Query<TenantRetention>().Where(t => t.Days != null).ToListAsync(ct).ConfigureAwait(false);
        var periods = known.GroupBy(t => t.Days!.Value)
            .Select(days => new Period(now.AddDays(-days.Key).ToUniversalTime(), "tenant_id = any($2)", [.. days.Select(t => t.Id)]))
            .ToList();
        periods.Add(new Period(now.AddDays(-options.Value.Days).ToUniversalTime(), "(tenant_id is null or tenant_id <> all($2))", [.. known.Select(t => t.Id)]));
        return periods;
    }

    /// <summary>A query on the session's connection, inside its transaction (and so under the job's lock).</summary>
    private static async Task<List<T>> SelectAsync<T>(
        IDocumentSession session, string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, (NpgsqlConnection)session.Connection!);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    [LoggerMessage(LogLevel.Information, "Pruned audit records through seq {Seq}; its checkpoint is the chain's new anchor")]
    private static partial void LogPruned(ILogger logger, long seq);

    [LoggerMessage(LogLevel.Information, "Erased {Count} audit records past their tenant's retention between seq {First} and {Last}, under signed erasures")]
    private static partial void LogErased(ILogger logger, int count, long first, long last);

    [LoggerMessage(LogLevel.Warning, "Audit retention run failed; the next run tries again")]
    private static partial void LogRunFailed(ILogger logger, Exception exception);
}
