using System.Data;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Platform.Audit.Checkpoints;

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
/// The tables are Marten's documents (<c>mt_doc_*</c>, the JSON in <c>data</c>, the seq in <c>id</c>); the writer and
/// the record API keep using Marten, so the document mapping in Extensions stays the single source of the schema.
/// </remarks>
public sealed class ChainReader : IAsyncDisposable
{
    /// <summary>Seqs per page: each page is one index range scan, streamed; small pages only add round trips.</summary>
    public const int PageSize = 50_000;

    private const string Records = "audit.mt_doc_auditrecord";
    private const string Checkpoints = "audit.mt_doc_auditcheckpoint";

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

    /// <summary>Records (filtered, when a filter is given) and all checkpoints after <paramref name="afterSeq"/>.</summary>
    public async IAsyncEnumerable<object> ReadAsync(
        long afterSeq, ChainFilter? filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct, int pageSize = PageSize)
    {
        long lastRecord;
        await using (var last = new NpgsqlCommand($"select coalesce(max(id), 0) from {Records}", _connection, _transaction))
        {
            lastRecord = (long)(await last.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }

        // Positional parameters after $1 (after) and $2 (up to), in the order Page adds them.
        var next = 3;
        var recordFilter = (filter?.TenantId is null ? "" : $" and data ->> 'TenantId' = ${next++}")
            + (filter?.From is null ? "" : $" and audit.mt_immutable_timestamptz(data ->> 'At') >= ${next++}")
            + (filter?.To is null ? "" : $" and audit.mt_immutable_timestamptz(data ->> 'At') < ${next++}");
        NpgsqlBatch Page(long after, long upTo)
        {
            var checkpointQuery = new NpgsqlBatchCommand($"select data from {Checkpoints} where id > $1 and id <= $2 order by id");
            var recordQuery = new NpgsqlBatchCommand($"select {RecordColumns} from {Records} where id > $1 and id <= $2{recordFilter} order by id");
            foreach (var command in (NpgsqlBatchCommand[])[checkpointQuery, recordQuery])
            {
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
            }

            if (filter?.TenantId is { } tenant) recordQuery.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            if (filter?.From is { } fromTime) recordQuery.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = fromTime.ToUniversalTime() });
            if (filter?.To is { } toTime) recordQuery.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = toTime.ToUniversalTime() });
            return new NpgsqlBatch(_connection, _transaction) { BatchCommands = { checkpointQuery, recordQuery } };
        }

        // Only the checkpoints of one page are held (one per EveryRecords records, or per EverySeconds).
        var checkpoints = new List<AuditCheckpoint>();
        for (var from = afterSeq; ; from += pageSize)
        {
            // The last page is open-ended: checkpoints beyond the last record must come out too.
            var final = from + pageSize >= lastRecord;
            checkpoints.Clear();
            await using var batch = Page(from, final ? long.MaxValue : from + pageSize);
            await using var reader = await batch.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                checkpoints.Add(Deserialize<AuditCheckpoint>(reader.GetFieldValue<byte[]>(0)));
            }

            await reader.NextResultAsync(ct).ConfigureAwait(false);
            var pending = 0;
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var seq = reader.GetInt64(0);
                while (pending < checkpoints.Count && checkpoints[pending].Seq < seq)
                {
                    yield return checkpoints[pending++];
                }

                yield return ReadRecord(reader, seq);
                while (pending < checkpoints.Count && checkpoints[pending].Seq == seq)
                {
                    yield return checkpoints[pending++];
                }
            }

            while (pending < checkpoints.Count)
            {
                yield return checkpoints[pending++];
            }

            if (final)
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// A record's fields taken out of its document by PostgreSQL: cheaper for the server than rendering the whole
    /// document as JSON text, and no JSON parsing here.
    /// </summary>
    private const string RecordColumns =
        "id, data ->> 'At', data ->> 'EventId', data ->> 'TenantId', data ->> 'KeyId', data ->> 'ClientIp', data ->> 'Action', "
        + "data ->> 'Target', data ->> 'Outcome', data ->> 'Details', data ->> 'TraceId', data ->> 'PrevHash', data ->> 'Hash'";

    private static AuditRecord ReadRecord(NpgsqlDataReader reader, long seq)
    {
        string? Text(int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
        string Required(int ordinal) => Text(ordinal) ?? throw new InvalidDataException($"Audit record {seq} has no {reader.GetName(ordinal)}.");
        // Marten wrote the time with System.Text.Json (ISO 8601 with an offset), which this parses exactly.
        var at = DateTimeOffset.Parse(Required(1), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind);
        return new AuditRecord(seq, at, Guid.Parse(Required(2)), Text(3), Text(4), Text(5), Required(6), Required(7), Required(8), Text(9), Text(10),
            Required(11), Required(12));
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
[System.Text.Json.Serialization.JsonSerializable(typeof(ChainHead))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ChainAnchor))]
internal sealed partial class ChainDocumentsJson : System.Text.Json.Serialization.JsonSerializerContext;
