using Npgsql;
using Weasel.Postgresql.Tables;

namespace Platform.Audit.Chain;

/// <summary>
/// Where the chain's records live: a plain table with one typed column per field. Verify and export read every
/// record, and PostgreSQL returns typed columns at about half the CPU it spends taking the same fields out of a jsonb
/// document, the bound on verify's speed (docs/audit-chain.md, "Performance"). Every reader and writer of records uses
/// the SQL and the reader here, so what <c>/audit/records</c> shows, what export writes and what verify hashes are the
/// same columns. Marten still creates and migrates the table with its own (an extended schema object).
/// </summary>
public static class ChainTable
{
    public const string Name = Extensions.Extensions.Schema + ".chain_records";

    /// <summary>Every column, in <see cref="AuditRecord"/>'s order, as <see cref="Read"/> expects them.</summary>
    public const string Columns = "seq, at, event_id, tenant_id, key_id, client_ip, action, target, outcome, details, trace_id, prev_hash, hash, person_id, client_id";

    /// <summary>One statement for a whole batch: 15 arrays, one per column (<see cref="InsertValues"/>).</summary>
    public const string InsertSql =
        $"insert into {Name} ({Columns}) select * from unnest(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    public static Table Definition()
    {
        var table = new Table(Name);
        table.AddColumn("seq", "bigint").AsPrimaryKey();
        table.AddColumn("at", "timestamp with time zone").NotNull().AddIndex(_ => { });
        // Redeliveries are recognised by the event id, so it is unique; a second writer's duplicate fails its batch.
        table.AddColumn("event_id", "uuid").NotNull().AddIndex(index => index.IsUnique = true);
        table.AddColumn("tenant_id", "text").AddIndex(_ => { });
        table.AddColumn("key_id", "text");
        table.AddColumn("client_ip", "text");
        table.AddColumn("action", "text").NotNull();
        table.AddColumn("target", "text").NotNull();
        table.AddColumn("outcome", "text").NotNull();
        table.AddColumn("details", "text");
        table.AddColumn("trace_id", "text");
        table.AddColumn("prev_hash", "text").NotNull();
        table.AddColumn("hash", "text").NotNull();
        // Added with people (decision 0007): a nullable column, so the migration of an existing table is an alter.
        table.AddColumn("person_id", "text").AddIndex(_ => { });
        table.AddColumn("client_id", "text");
        return table;
    }

    public static object[] InsertValues(IReadOnlyCollection<AuditRecord> records) =>
    [
        records.Select(r => r.Seq).ToArray(), records.Select(r => r.At).ToArray(), records.Select(r => r.EventId).ToArray(),
        records.Select(r => r.TenantId).ToArray(), records.Select(r => r.KeyId).ToArray(), records.Select(r => r.ClientIp).ToArray(),
        records.Select(r => r.Action).ToArray(), records.Select(r => r.Target).ToArray(), records.Select(r => r.Outcome).ToArray(),
        records.Select(r => r.Details).ToArray(), records.Select(r => r.TraceId).ToArray(), records.Select(r => r.PrevHash).ToArray(),
        records.Select(r => r.Hash).ToArray(), records.Select(r => r.PersonId).ToArray(), records.Select(r => r.ClientId).ToArray(),
    ];

    /// <summary>A record from <see cref="Columns"/>, starting at ordinal 0.</summary>
    public static AuditRecord Read(NpgsqlDataReader reader)
    {
        string? Text(int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
        return new AuditRecord(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetGuid(2), Text(3), Text(4), Text(5),
            reader.GetString(6), reader.GetString(7), reader.GetString(8), Text(9), Text(10), reader.GetString(11), reader.GetString(12),
            Text(13), Text(14));
    }

    /// <summary>All records of a query that selects <see cref="Columns"/>.</summary>
    public static async Task<List<AuditRecord>> ReadAllAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var records = new List<AuditRecord>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            records.Add(Read(reader));
        }

        return records;
    }
}
