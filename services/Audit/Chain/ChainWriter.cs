using Marten;
using Microsoft.Extensions.Options;
using Platform.Audit.Checkpoints;
using Platform.Audit.Export;
using Platform.Audit.Webhooks;
using Wolverine;

namespace Platform.Audit.Chain;

/// <summary>
/// Extends the chain by one record inside the caller's session; the caller's transaction commits it. Every
/// <see cref="CheckpointOptions.EveryRecords"/>-th record also gets a signed checkpoint in the same transaction.
/// </summary>
public sealed class ChainWriter(CheckpointSigner signer, IOptions<CheckpointOptions> options, AuditMetrics metrics, TimeProvider time)
{
    public async Task AppendAsync(IDocumentSession session, IMessageBus bus, AuditEntry entry, CancellationToken ct)
    {
        if (await session.Query<AuditRecord>().AnyAsync(r => r.EventId == entry.EventId, ct).ConfigureAwait(false))
        {
            return; // already appended: a redelivery after a crash
        }

        var head = await session.LoadAsync<ChainHead>(ChainHead.SingletonId, ct).ConfigureAwait(false) ?? new ChainHead();
        var record = AuditHasher.Link(head.Seq + 1, head.Hash, entry);
        head.Seq = record.Seq;
        head.Hash = record.Hash;
        session.Store(record);
        session.Store(head);

        if (record.Seq % Math.Max(1, options.Value.EveryRecords) == 0)
        {
            session.Store(await signer.SignAsync(record.Seq, record.Hash, time.GetUtcNow(), ct).ConfigureAwait(false));
        }

        await EnqueueWebhooksAsync(session, bus, record, ct).ConfigureAwait(false);
        metrics.Appended(record.Action, time.GetUtcNow() - entry.At);
    }

    /// <summary>Deliveries go out through the same outbox transaction as the append: no record, no delivery.</summary>
    private static async Task EnqueueWebhooksAsync(IDocumentSession session, IMessageBus bus, AuditRecord record, CancellationToken ct)
    {
        if (record.TenantId is null)
        {
            return;
        }

        var tenant = record.TenantId;
        var endpoints = await session.Query<WebhookEndpoint>().Where(w => w.TenantId == tenant).ToListAsync(ct).ConfigureAwait(false);
        string? body = null;
        foreach (var endpoint in endpoints.Where(e => e.Wants(record.Action)))
        {
            body ??= WebhookBody(record);
            await bus.PublishAsync(new DeliverWebhook(endpoint.Id, record.Seq, body)).ConfigureAwait(false);
        }
    }

    private static string WebhookBody(AuditRecord record)
    {
        using var stream = new MemoryStream();
        NdjsonExport.WriteItem(stream, record);
        return System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length).TrimEnd('\n');
    }
}
