using Npgsql;

namespace Platform.Audit.Chain;

/// <summary>
/// Moves records that builds before <see cref="ChainTable"/> kept as Marten documents (<c>mt_doc_auditrecord</c>) into
/// the table, once, at startup: the chain head already counts them, so without them verify would report every new
/// record as out of place. One statement, so it either moves every record and drops the old table or does nothing.
/// </summary>
public sealed partial class LegacyRecordMigration(NpgsqlDataSource database, ILogger<LegacyRecordMigration> logger) : IHostedService
{
    private const string Legacy = Extensions.Extensions.Schema + ".mt_doc_auditrecord";

    // The documents hold the fields under their C# names, as System.Text.Json wrote them; the time round-trips exactly
    // (ISO 8601 with an offset, microseconds at most, as the writer truncated it).
    private const string Sql = $"""
        do $$
        declare moved bigint;
        begin
          if to_regclass('{Legacy}') is null then
            raise notice 'moved=-1';
            return;
          end if;
          insert into {ChainTable.Name} ({ChainTable.Columns})
            select id, (data ->> 'At')::timestamptz, (data ->> 'EventId')::uuid, data ->> 'TenantId', data ->> 'KeyId', data ->> 'ClientIp',
                   data ->> 'Action', data ->> 'Target', data ->> 'Outcome', data ->> 'Details', data ->> 'TraceId', data ->> 'PrevHash', data ->> 'Hash',
                   null, null
            from {Legacy}
            on conflict (seq) do nothing;
          get diagnostics moved = row_count;
          drop table {Legacy};
          raise notice 'moved=%', moved;
        end $$;
        """;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        long? moved = null;
        connection.Notice += (_, e) =>
        {
            if (e.Notice.MessageText.StartsWith("moved=", StringComparison.Ordinal))
            {
                moved = long.Parse(e.Notice.MessageText.AsSpan(6), System.Globalization.CultureInfo.InvariantCulture);
            }
        };
        await using var command = new NpgsqlCommand(Sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        if (moved is >= 0)
        {
            LogMoved(logger, moved.Value);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Moved {Count} audit records from the document table of earlier builds into the chain table")]
    private static partial void LogMoved(ILogger logger, long count);
}
