using Marten;

namespace Platform.Audit.Chain;

/// <summary>Extends the chain by one record inside the caller's session; the caller's transaction commits it.</summary>
public static class ChainWriter
{
    public static async Task AppendAsync(IDocumentSession session, AuditEntry entry, CancellationToken ct)
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
    }
}
