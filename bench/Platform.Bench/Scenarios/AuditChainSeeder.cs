extern alias AuditService;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using AuditService::Platform.Audit.Chain;
using AuditService::Platform.Audit.Checkpoints;
using Npgsql;
using NpgsqlTypes;
using Platform.Contracts;
using Platform.Contracts.ToolCalls;

namespace Platform.Bench.Scenarios;

/// <summary>
/// Extends Audit's chain straight in its schema, as Audit's own writer would (the same hasher, checkpoints signed with
/// Audit's development key), so verify passes: the append path is not what these scenarios measure, and going through
/// it would take far longer than the suite. Records stream into one binary COPY per table and one transaction, with
/// the head moved in that same transaction, so Audit's writer (whose head is optimistically versioned) either appends
/// before or after the seeded range and never forks it. Nothing is held in memory but the record being written.
/// </summary>
internal sealed class AuditChainSeeder : IDisposable
{
    public const int EveryRecords = 1_000;

    private static readonly string CheckpointType = typeof(AuditCheckpoint).FullName!;
    private static readonly string HeadType = typeof(ChainHead).FullName!;

    private readonly string _database;
    private readonly ECDsa _key;
    private readonly string _keyId;

    private AuditChainSeeder(string database, ECDsa key)
    {
        _database = database;
        _key = key;
        _keyId = CheckpointSignature.KeyIdOf(key);
        Keys = new CheckpointKeyRing();
        Keys.Add(ECDsa.Create(key.ExportParameters(includePrivateParameters: false)));
    }

    /// <summary>The public half of Audit's checkpoint key, for verifying in process.</summary>
    public CheckpointKeyRing Keys { get; }

    /// <summary>Audit creates its tables and its development key on startup and on the first /audit/checkpoint-keys.</summary>
    public static async Task<AuditChainSeeder> ConnectAsync(HttpClient audit, string database)
    {
        (await audit.GetAsync(new Uri("/audit/checkpoint-keys", UriKind.Relative)).ConfigureAwait(false)).EnsureSuccessStatusCode();
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand("select data ->> 'Pkcs8Pem' from audit.mt_doc_storedcheckpointsigningkey where id = @id", connection);
        command.Parameters.AddWithValue("id", StoredCheckpointSigningKey.SingletonId);
        var pem = await command.ExecuteScalarAsync().ConfigureAwait(false) as string
            ?? throw new InvalidOperationException("Audit has not stored its development checkpoint key.");
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return new AuditChainSeeder(database, key);
    }

    /// <summary>
    /// Appends tool-call records until the chain holds <paramref name="totalRecords"/>, with a signed checkpoint at
    /// every multiple of <see cref="EveryRecords"/>; <paramref name="seeded"/> sees each record and checkpoint in order.
    /// </summary>
    /// <returns>The number of records added.</returns>
    public async Task<long> ExtendToAsync(long totalRecords, Action<object>? seeded = null)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        var (headSeq, headHash) = await LockHeadAsync(connection, transaction).ConfigureAwait(false);
        if (headSeq >= totalRecords)
        {
            return 0;
        }

        var checkpoints = new List<AuditCheckpoint>();
        var hash = headHash;
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        await using (var copy = await connection.BeginBinaryImportAsync(
            $"copy {ChainTable.Name} ({ChainTable.Columns}) from stdin (format binary)").ConfigureAwait(false))
        {
            for (var seq = headSeq + 1; seq <= totalRecords; seq++)
            {
                var record = AuditHasher.Link(seq, hash, Entry(seq, start));
                hash = record.Hash;
                await copy.WriteRowAsync(default, record.Seq, record.At, record.EventId, record.TenantId, record.KeyId, record.ClientIp, record.Action,
                    record.Target, record.Outcome, record.Details, record.TraceId, record.PrevHash, record.Hash, record.PersonId, record.ClientId).ConfigureAwait(false);
                seeded?.Invoke(record);
                if (seq % EveryRecords == 0)
                {
                    var checkpoint = CheckpointSignature.Sign(seq, hash, DateTimeOffset.UtcNow, _key, _keyId);
                    checkpoints.Add(checkpoint);
                    seeded?.Invoke(checkpoint);
                }
            }

            await copy.CompleteAsync().ConfigureAwait(false);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "copy audit.mt_doc_auditcheckpoint (id, data, mt_dotnet_type) from stdin (format binary)").ConfigureAwait(false))
        {
            foreach (var checkpoint in checkpoints)
            {
                await copy.StartRowAsync().ConfigureAwait(false);
                await copy.WriteAsync(checkpoint.Seq, NpgsqlDbType.Bigint).ConfigureAwait(false);
                await copy.WriteAsync(JsonSerializer.Serialize(checkpoint), NpgsqlDbType.Jsonb).ConfigureAwait(false);
                await copy.WriteAsync(CheckpointType, NpgsqlDbType.Varchar).ConfigureAwait(false);
            }

            await copy.CompleteAsync().ConfigureAwait(false);
        }

        // A new version makes a writer batch that loaded the old head fail its optimistic check and retry.
        await using (var head = new NpgsqlCommand(
            """
            insert into audit.mt_doc_chainhead (id, data, mt_dotnet_type, mt_version) values (@id, @data, @type, gen_random_uuid())
            on conflict (id) do update set data = excluded.data, mt_version = excluded.mt_version, mt_last_modified = transaction_timestamp()
            """, connection, transaction))
        {
            head.Parameters.AddWithValue("id", ChainHead.SingletonId);
            head.Parameters.AddWithValue("data", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(new ChainHead { Seq = totalRecords, Hash = hash }));
            head.Parameters.AddWithValue("type", HeadType);
            await head.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        await transaction.CommitAsync().ConfigureAwait(false);
        // Bulk-loaded rows are settled first (hint bits, visibility map, statistics), as autovacuum would have done
        // to rows written over time: otherwise the first read after seeding pays for writing them and measures that.
        foreach (var table in (string[])[ChainTable.Name, "audit.mt_doc_auditcheckpoint"])
        {
            await using var vacuum = new NpgsqlCommand($"vacuum analyze {table}", connection);
            await vacuum.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        return totalRecords - headSeq;
    }

    /// <summary>The head, locked for the seeding transaction so that no writer batch commits in between.</summary>
    private static async Task<(long Seq, string Hash)> LockHeadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        await using var command = new NpgsqlCommand("select data from audit.mt_doc_chainhead where id = @id for update", connection, transaction);
        command.Parameters.AddWithValue("id", ChainHead.SingletonId);
        if (await command.ExecuteScalarAsync().ConfigureAwait(false) is not string json)
        {
            return (0, AuditHasher.GenesisHash);
        }

        var head = JsonSerializer.Deserialize<ChainHead>(json)!;
        return (head.Seq, head.Hash);
    }

    private static AuditEntry Entry(long seq, DateTimeOffset start)
    {
        var details = $$"""{"callId":"{{Guid.CreateVersion7()}}","reason":null,"argumentsSha256":"{{new string('a', 64)}}","arguments":"{\"message\":\"hello\"}","durationMs":1.5}""";
        return new AuditEntry(Guid.CreateVersion7(), start.AddTicks(seq * 10), new Actor("bench-" + (seq % 20).ToString(CultureInfo.InvariantCulture), "key-bench", "127.0.0.1"),
            "tool.call", "tool:echo", ToolCallOutcomes.Completed, details, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
    }

    public void Dispose() => _key.Dispose();
}
