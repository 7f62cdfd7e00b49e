using Marten;
using Microsoft.Extensions.Options;
using Platform.Audit.Checkpoints;

namespace Platform.Audit.Chain;

/// <summary>
/// Extends the chain by one record inside the caller's session; the caller's transaction commits it. Every
/// <see cref="CheckpointOptions.EveryRecords"/>-th record also gets a signed checkpoint in the same transaction.
/// </summary>
public sealed class ChainWriter(CheckpointSigner signer, IOptions<CheckpointOptions> options, TimeProvider time)
{
    public async Task AppendAsync(IDocumentSession session, AuditEntry entry, CancellationToken ct)
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
    }
}
