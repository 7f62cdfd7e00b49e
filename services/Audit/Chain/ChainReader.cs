using System.Data;
using System.Text.Json;
using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;
using Platform.Audit.Checkpoints;
using Platform.Audit.Retention;

namespace Platform.Audit.Chain;

/// <summary>Which records a filtered export holds; checkpoints are always all there.</summary>
public sealed record ChainFilter(string? TenantId, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>
/// One consistent view of the chain for verify and export: a read-only repeatable-read transaction, so the head, the
/// anchor, the records and the checkpoints are all from the same moment, however long the read takes and whatever the
/// writer or the retention job commit meanwhile. Records and checkpoints are read with plain Npgsql (no LINQ, no
/// per-page Marten work) in seq order, a checkpoint right after its record and checkpoints beyond the last record last
/// (they reveal a truncated tail), in seq-range pages streamed row by row, so memory stays constant.
/// </summary>
/// <remarks>
/// Records come from <see cref="ChainTable"/>; checkpoints, erasures, the head and the anchor are Marten documents
/// (<c>mt_doc_*</c>, the JSON in <c>data</c>, the seq in <c>id</c>), few enough that their JSON costs nothing.
/// </remarks>
public sealed class ChainReader : IAsyncDisposable
{
    /// <summary>Seqs per page: each page is one index range scan, streamed; small pages only add round trips.</summary>
    public const int PageSize = 50_000;

    private const string Checkpoints = "audit.mt_doc_auditcheckpoint";
    private const string Erasures = "audit.mt_doc_auditerasure";

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private ChainReader(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public static async Task<ChainReader> OpenAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
            await using (var readOnly = new NpgsqlCommand("set transaction read only", connection, transaction))
            {
                await readOnly.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            return new ChainReader(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<ChainHead?> HeadAsync(CancellationToken ct) =>
        await DocumentAsync<ChainHead>("audit.mt_doc_chainhead", ChainHead.SingletonId, ct).ConfigureAwait(false);

    /// <summary>Where verification starts once older records were pruned; null while nothing was.</summary>
    public async Task<AuditCheckpoint?> AnchorAsync(CancellationToken ct) =>
        (await DocumentAsync<ChainAnchor>("audit.mt_doc_chainanchor", ChainAnchor.SingletonId, ct).ConfigureAwait(false))?.Checkpoint;

    /// <summary>Items handed from the reading task to the consumer at a time, and how many such chunks it may read ahead.</summary>
    private const int ChunkSize = 1024, ChunksAhead = 4;

    /// <summary>
    /// Records (filtered, when a filter is given) and all erasures and checkpoints after <paramref name="afterSeq"/>, in seq order.
    /// A task of its own reads them a few chunks ahead of the caller, so turning rows into records and the caller's
    /// work on them (hashing for verify, JSON for export) run on two cores instead of taking turns; memory stays
    /// bounded by the chunks ahead.
    /// </summary>
    public async IAsyncEnumerable<object> ReadAsync(
        long afterSeq, ChainFilter? filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct, int pageSize = PageSize)
    {
        var chunks = Channel.CreateBounded<object[]>(new BoundedChannelOptions(ChunksAhead) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(async () =>
        {
            try
            {
                var chunk = new List<object>(ChunkSize);
                await foreach (var item in ReadInSeqOrderAsync(afterSeq, filter, pageSize, stop.Token).ConfigureAwait(false))
                {
                    chunk.Add(item);
                    if (chunk.Count == ChunkSize)
                    {
                        await chunks.Writer.WriteAsync([.. chunk], stop.Token).ConfigureAwait(false);
                        chunk.Clear();
                    }
                }

                await chunks.Writer.WriteAsync([.. chunk], stop.Token).ConfigureAwait(false);
            }
            finally
            {
                // Completed without the error, which surfaces as itself from awaiting this task below (a channel would
                // wrap it, and the database-unavailable handler looks for the Npgsql exception).
                chunks.Writer.TryComplete();
            }
        }, stop.Token);

        try
        {
            await foreach (var chunk in chunks.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                foreach (var item in chunk)
                {
                    yield return item;
                }
            }

            await reading.ConfigureAwait(false);
        }
        finally
        {
            // The caller may stop early (verify stops at the first break): the reading task must be done with the
            // connection before the reader is disposed.
            await stop.CancelAsync().ConfigureAwait(false);
            await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async IAsyncEnumerable<object> ReadInSeqOrderAsync(
        long afterSeq, ChainFilter? filter, int pageSize, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        long lastRecord;
        await using (var last = new NpgsqlCommand($"select coalesce(max(seq), 0) from {ChainTable.Name}", _connection, _transaction))
        {
            lastRecord = (long)(await last.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }

        // Positional parameters after $1 (after) and $2 (up to), in the order Page adds them.
        var next = 3;
        var recordFilter = (filter?.TenantId is null ? "" : $" and tenant_id = ${next++}")
            + (filter?.From is null ? "" : $" and at >= ${next++}")
            + (filter?.To is null ? "" : $" and at < ${next++}");
        NpgsqlBatch Page(long after, long upTo)
        {
            var erasureQuery = new NpgsqlBatchCommand($"select data from {Erasures} where id > $1 and id <= $2 order by id");
            var checkpointQuery = new NpgsqlBatchCommand($"select data from {Checkpoints} where id > $1 and id <= $2 order by id");
            var recordQuery = new NpgsqlBatchCommand($"select {ChainTable.Columns} from {ChainTable.Name} where seq > $1 and seq <= $2{recordFilter} order by seq");
            foreach (var command in (NpgsqlBatchCommand[])[erasureQuery, checkpointQuery, recordQuery])
            {
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
            }

            if (filter?.TenantId is { } tenant) recordQuery.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            if (filter?.From is { } fromTime) recordQuery.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = fromTime.ToUniversalTime() });
            if (filter?.To is { } toTime) recordQuery.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = toTime.ToUniversalTime() });
            return new NpgsqlBatch(_connection, _transaction) { BatchCommands = { erasureQuery, checkpointQuery, recordQuery } };
        }

        // Only the erasures and checkpoints of one page are held (one checkpoint per EveryRecords records, or per
        // EverySeconds; erasures split at checkpoints, so at most one more per checkpoint). An erasure is placed by its
        // last seq (its records are gone, so no record falls inside it) and before a checkpoint at that seq, which
        // signs the hash the erasure ends with.
        var signed = new List<(long Seq, object Item)>();
        for (var from = afterSeq; ; from += pageSize)
        {
            // The last page is open-ended: checkpoints and erasures beyond the last record must come out too.
            var final = from + pageSize >= lastRecord;
            signed.Clear();
            await using var batch = Page(from, final ? long.MaxValue : from + pageSize);
            await using var reader = await batch.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var erasure = Deserialize<AuditErasure>(reader.GetFieldValue<byte[]>(0));
                signed.Add((erasure.ToSeq, erasure));
            }

            await reader.NextResultAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var checkpoint = Deserialize<AuditCheckpoint>(reader.GetFieldValue<byte[]>(0));
                signed.Add((checkpoint.Seq, checkpoint));
            }

            signed.Sort(static (a, b) => a.Seq != b.Seq ? a.Seq.CompareTo(b.Seq) : (a.Item is AuditErasure ? 0 : 1) - (b.Item is AuditErasure ? 0 : 1));
            await reader.NextResultAsync(ct).ConfigureAwait(false);
            var pending = 0;
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var record = ChainTable.Read(reader);
                var seq = record.Seq;
                while (pending < signed.Count && signed[pending].Seq < seq)
                {
                    yield return signed[pending++].Item;
                }

                yield return record;
                while (pending < signed.Count && signed[pending].Seq == seq)
                {
                    yield return signed[pending++].Item;
                }
            }

            while (pending < signed.Count)
            {
                yield return signed[pending++].Item;
            }

            if (final)
            {
                yield break;
            }
        }
    }

    private async Task<T?> DocumentAsync<T>(string table, string id, CancellationToken ct) where T : class
    {
        await using var command = new NpgsqlCommand($"select data from {table} where id = @id", _connection, _transaction);
        command.Parameters.Add(new NpgsqlParameter<string>("id", id));
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? Deserialize<T>(reader.GetFieldValue<byte[]>(0)) : null;
    }

    // Marten stores documents with System.Text.Json's defaults (property names as declared); the generated metadata
    // saves the reflection-based converter's per-record overhead.
    private static T Deserialize<T>(byte[] json) where T : class =>
        JsonSerializer.Deserialize(json, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)ChainDocumentsJson.Default.GetTypeInfo(typeof(T))!)
        ?? throw new JsonException($"A null {typeof(T).Name} document.");

    public async ValueTask DisposeAsync()
    {
        // Read-only: there is nothing to commit; disposing rolls the snapshot back.
        await _transaction.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(AuditCheckpoint))]
[System.Text.Json.Serialization.JsonSerializable(typeof(AuditErasure))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ChainHead))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ChainAnchor))]
internal sealed partial class ChainDocumentsJson : System.Text.Json.Serialization.JsonSerializerContext;
