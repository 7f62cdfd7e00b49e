using System.Text.Json;
using Platform.Audit.Chain;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Testing;

namespace Platform.Audit.Tests;

public sealed class LegacyRecordMigrationTests(PlatformInfrastructure infrastructure)
{
    [Fact]
    public async Task Records_kept_as_documents_by_earlier_builds_move_into_the_chain_table_and_the_chain_goes_on()
    {
        // What an earlier build left: the records as Marten documents (the fields under their C# names), the head after them.
        string database;
        List<AuditRecord> legacy;
        await using (var earlier = await ChainDatabase.StartAsync(infrastructure, everyRecords: 1000))
        {
            database = earlier.Database;
            await earlier.AppendAsync(2);
            legacy = await earlier.RecordsAsync();
            await earlier.SqlAsync("create table audit.mt_doc_auditrecord (id bigint primary key, data jsonb not null)");
            foreach (var record in legacy)
            {
                await earlier.SqlAsync("insert into audit.mt_doc_auditrecord (id, data) values (@id, @data::jsonb)",
                    ("id", record.Seq), ("data", JsonSerializer.Serialize(record)));
            }

            await earlier.SqlAsync("delete from audit.chain_records");
        }

        await using var upgraded = await ChainDatabase.StartAsync(infrastructure, database: database);

        Assert.Equal(legacy, await upgraded.RecordsAsync());
        await using (var gone = upgraded.Audit.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("select to_regclass('audit.mt_doc_auditrecord') is null"))
        {
            Assert.True((bool)(await gone.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
        }

        await upgraded.AppendAsync(1);
        var report = await upgraded.VerifyAsync();
        Assert.True(report.Ok, report.Reason);
        Assert.Equal(3, report.Checked);
    }
}

public sealed class ChainTableTests(PlatformInfrastructure infrastructure)
{
    [Fact]
    public async Task Table_created_at_startup_matches_its_definition_so_restarts_migrate_nothing()
    {
        await using var chain = await ChainDatabase.StartAsync(infrastructure);
        await using var connection = await chain.Audit.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(TestContext.Current.CancellationToken);

        var delta = await ChainTable.Definition().FindDeltaAsync(connection, TestContext.Current.CancellationToken);

        Assert.Equal(Weasel.Core.SchemaPatchDifference.None, delta.Difference);
    }
}
