using System.Threading.Channels;
using Marten;
using Microsoft.Extensions.Options;
using Platform.Audit.Checkpoints;
using Platform.Audit.Export;
using Platform.Audit.Retention;
using Platform.Audit.Webhooks;
using Platform.ServiceDefaults.Storage;
using Wolverine.Marten;

namespace Platform.Audit.Chain;

/// <summary>
/// The chain's single writer. Inbox handlers hand it entries and wait; it appends every entry waiting at that moment
/// in one transaction (group commit) and only then lets their handlers finish, so Wolverine acknowledges an inbox
/// envelope only after its record is committed. One transaction per batch instead of per record is what lets appends
/// keep up with ToolExecution's peak call rate. Every <see cref="CheckpointOptions.EveryRecords"/>-th record also gets
/// a signed checkpoint in the same transaction.
/// </summary>
public sealed partial class ChainWriter(
    IServiceProvider services, CheckpointSigner signer, IOptions<CheckpointOptions> options, AuditMetrics metrics, TimeProvider time,
    ILogger<ChainWriter> logger) : BackgroundService
{
    /// <summary>Bounds one transaction's size; the listener's parallelism bounds how many entries wait at all.</summary>
    public const int MaxBatch = 1000;

    private readonly Channel<PendingAppend> _pending = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>
    /// Completes once the entry is in the committed chain (or already was: a redelivery after a crash). The tenant's
    /// retention, when given, commits in the same transaction, so a record of the tenant never exists without it.
    /// </summary>
    public async Task AppendAsync(AuditEntry entry, CancellationToken ct, TenantRetention? retention = null)
    {
        var pending = new PendingAppend(entry, retention);
        if (!_pending.Writer.TryWrite(pending))
        {
            throw new OperationCanceledException("The audit chain writer has stopped.");
        }

        await pending.Committed.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<PendingAppend>(MaxBatch);
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                await AppendBatchAsync(batch, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Their envelopes stay unacknowledged in the durable inbox and are replayed after the restart.
            _pending.Writer.TryComplete();
            foreach (var item in batch)
            {
                item.Committed.TrySetCanceled(stoppingToken);
            }

            while (_pending.Reader.TryRead(out var item))
            {
                item.Committed.TrySetCanceled(stoppingToken);
            }
        }
    }

    private async Task AppendBatchAsync(List<PendingAppend> batch, CancellationToken ct)
    {
        try
        {
            await WriteAsync(batch, ct).ConfigureAwait(false);
            foreach (var item in batch)
            {
                item.Committed.TrySetResult();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException && batch.Count > 1 && !DatabaseAvailability.IsUnavailableError(e))
        {
            // One bad entry must not take its batch-mates through Wolverine's retries to the dead-letter table: append
            // them one per transaction so only the bad one fails.
            LogBatchFailed(logger, batch.Count, e);
            foreach (var item in batch)
            {
                await AppendBatchAsync([item], ct).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // handed to the waiting handlers, whose Wolverine error policies decide
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
#pragma warning restore CA1031
        {
            foreach (var item in batch)
            {
                item.Committed.TrySetException(e);
            }
        }
    }

    private async Task WriteAsync(List<PendingAppend> batch, CancellationToken ct)
    {
        // The outbox enrolled in this session sends the webhook deliveries only if the transaction commits: no record,
        // no delivery.
        await using var scope = services.CreateAsyncScope();
        var outbox = scope.ServiceProvider.GetRequiredService<IMartenOutbox>();
        var session = outbox.Session!;

        var ids = batch.Select(p => p.Entry.EventId).Distinct().ToArray();
        var known = (await session.QueryAsync<Guid>($"select event_id from {ChainTable.Name} where event_id = any(?)", ct, ids).ConfigureAwait(false))
            .ToHashSet();
        // Event time within one batch: handlers run in parallel, so arrival order inside a batch is a race, while
        // the events of one producer (a key issued, then revoked) carry increasing times.
        var fresh = batch.Where(p => known.Add(p.Entry.EventId)).OrderBy(p => p.Entry.At).ToList();
        if (fresh.Count == 0)
        {
            return; // all already appended: redeliveries after a crash
        }

        var head = await session.LoadAsync<ChainHead>(ChainHead.SingletonId, ct).ConfigureAwait(false) ?? new ChainHead();
        var every = Math.Max(1, options.Value.EveryRecords);
        var records = new List<AuditRecord>(fresh.Count);
        foreach (var item in fresh)
        {
            var record = AuditHasher.Link(head.Seq + 1, head.Hash, item.Entry);
            head.Seq = record.Seq;
            head.Hash = record.Hash;
            records.Add(record);
            if (item.Retention is { } retention)
            {
                session.Store(retention);
            }

            if (record.Seq % every == 0)
            {
                session.Insert(await signer.SignAsync(record.Seq, record.Hash, time.GetUtcNow(), ct).ConfigureAwait(false));
            }
        }

        // A second writer could only fork the chain by overwriting the head; its optimistic concurrency turns that
        // into a failed batch, which Wolverine retries.
        session.QueueSqlCommand(ChainTable.InsertSql, ChainTable.InsertValues(records));
        session.Store(head);
        await EnqueueWebhooksAsync(session, outbox, records, ct).ConfigureAwait(false);
        await session.SaveChangesAsync(ct).ConfigureAwait(false);

        var now = time.GetUtcNow();
        foreach (var item in fresh)
        {
            metrics.Appended(item.Entry.Action, now - item.Entry.At);
        }
    }

    /// <summary>One query for the webhook endpoints of every tenant in the batch; deliveries go through the outbox.</summary>
    private static async Task EnqueueWebhooksAsync(IDocumentSession session, IMartenOutbox outbox, List<AuditRecord> records, CancellationToken ct)
    {
        var tenants = records.Where(r => r.TenantId is not null).Select(r => r.TenantId!).Distinct().ToArray();
        if (tenants.Length == 0)
        {
            return;
        }

        var endpoints = (await session.Query<WebhookEndpoint>().Where(w => tenants.Contains(w.TenantId)).ToListAsync(ct).ConfigureAwait(false))
            .ToLookup(w => w.TenantId);
        foreach (var record in records.Where(r => r.TenantId is not null))
        {
            string? body = null;
            foreach (var endpoint in endpoints[record.TenantId!].Where(e => e.Wants(record.Action)))
            {
                body ??= WebhookBody(record);
                await outbox.PublishAsync(new DeliverWebhook(endpoint.Id, record.Seq, body)).ConfigureAwait(false);
            }
        }
    }

    private static string WebhookBody(AuditRecord record)
    {
        using var stream = new MemoryStream();
        NdjsonExport.WriteItem(stream, record);
        return System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length).TrimEnd('\n');
    }

    private sealed record PendingAppend(AuditEntry Entry, TenantRetention? Retention)
    {
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(LogLevel.Warning, "Appending a batch of {Count} audit records failed; appending them one per transaction")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);
}
