using Marten;
using Platform.Audit.Checkpoints;

namespace Platform.Audit.Chain;

/// <summary>
/// Records and checkpoints in seq order (a checkpoint right after its record), read page by page so memory stays
/// constant. Checkpoints beyond the last record come last: they reveal a truncated tail.
/// </summary>
public static class ChainReader
{
    public const int PageSize = 2000;

    public static async IAsyncEnumerable<object> ReadAsync(
        IQuerySession session, long afterSeq, Func<IQueryable<AuditRecord>, IQueryable<AuditRecord>>? filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct, int pageSize = PageSize)
    {
        var after = afterSeq;
        while (true)
        {
            var query = session.Query<AuditRecord>().Where(r => r.Seq > after);
            var records = await (filter is null ? query : filter(query)).OrderBy(r => r.Seq).Take(pageSize).ToListAsync(ct).ConfigureAwait(false);
            var last = records.Count == pageSize ? records[^1].Seq : long.MaxValue;
            var from = after;
            var checkpoints = await session.Query<AuditCheckpoint>().Where(c => c.Seq > from && c.Seq <= last)
                .OrderBy(c => c.Seq).ToListAsync(ct).ConfigureAwait(false);

            var next = 0;
            foreach (var record in records)
            {
                while (next < checkpoints.Count && checkpoints[next].Seq < record.Seq)
                {
                    yield return checkpoints[next++];
                }

                yield return record;
                while (next < checkpoints.Count && checkpoints[next].Seq == record.Seq)
                {
                    yield return checkpoints[next++];
                }
            }

            while (next < checkpoints.Count)
            {
                yield return checkpoints[next++];
            }

            if (records.Count < pageSize)
            {
                yield break;
            }

            after = last;
        }
    }
}
