using Platform.Audit.Apis;
using Platform.Audit.Chain;
using Platform.Audit.Checkpoints;
using Platform.Audit.Export;
using Platform.Audit.Retention;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Contracts;
using Platform.Contracts.ToolCalls;
using Platform.Testing;
using Wolverine;
using AuditProgram = Platform.Audit.Program;

namespace Platform.Audit.Tests;

/// <summary>
/// Audit alone on a fresh database, for tests that damage the chain: appends go through the real handlers and
/// verification through the real endpoint code, without HTTP (so no Auth is needed).
/// </summary>
public sealed class ChainDatabase : IAsyncDisposable
{
    private ChainDatabase(string database, ServiceHost<AuditProgram> audit)
    {
        Database = database;
        Audit = audit;
    }

    public string Database { get; }
    public ServiceHost<AuditProgram> Audit { get; }

    /// <param name="fakeClock">Run the service on <see cref="ServiceHost{TProgram}.Clock"/> instead of the real clock.</param>
    public static async Task<ChainDatabase> StartAsync(PlatformInfrastructure infrastructure, int everyRecords = 3, int everySeconds = 3600, string? database = null, bool fakeClock = false)
    {
        database ??= await infrastructure.NewDatabaseAsync("audit-chain");
        var audit = new ServiceHost<AuditProgram>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:postgres"] = database,
            ["Audit:Checkpoints:EveryRecords"] = everyRecords.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Audit:Checkpoints:EverySeconds"] = everySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }) { UseFakeClock = fakeClock };
        _ = audit.Server;
        return new ChainDatabase(database, audit);
    }

    public static ToolCallRecorded Call(string tenant = "acme", DateTimeOffset? at = null) =>
        new(Guid.CreateVersion7(), Guid.CreateVersion7(), "echo", ToolCallOutcomes.Completed, null, new string('a', 64), null, 1.5,
            new Actor(tenant, "key-" + tenant, "127.0.0.1"), at ?? DateTimeOffset.UtcNow, null);

    /// <summary>Appends <paramref name="count"/> tool calls of <paramref name="tenant"/>, stamped with the service's clock.</summary>
    public async Task AppendAsync(int count, string tenant = "acme")
    {
        for (var i = 0; i < count; i++)
        {
            await DeliverAsync(Call(tenant, Audit.Services.GetRequiredService<TimeProvider>().GetUtcNow()));
        }
    }

    public async Task DeliverAsync(object message)
    {
        await using var scope = Audit.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMessageBus>().InvokeAsync(message, TestContext.Current.CancellationToken);
    }

    public async Task<VerificationReport> VerifyAsync()
    {
        var result = await AuditApi.VerifyAsync(Audit.Services.GetRequiredService<NpgsqlDataSource>(), Audit.Services.GetRequiredService<CheckpointSigner>(), Audit.Services.GetRequiredService<AuditMetrics>(), TestContext.Current.CancellationToken);
        return result.Value!;
    }

    public async Task<List<AuditCheckpoint>> CheckpointsAsync()
    {
        await using var session = Audit.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return [.. await session.Query<AuditCheckpoint>().OrderBy(c => c.Seq).ToListAsync(TestContext.Current.CancellationToken)];
    }

    public async Task<List<AuditErasure>> ErasuresAsync()
    {
        await using var session = Audit.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return [.. await session.Query<AuditErasure>().OrderBy(e => e.ToSeq).ToListAsync(TestContext.Current.CancellationToken)];
    }

    /// <summary>The full export, written by the export endpoint's own code.</summary>
    public async Task<string> ExportAsync()
    {
        using var file = new MemoryStream();
        await using (var chain = await ChainReader.OpenAsync(Audit.Services.GetRequiredService<NpgsqlDataSource>(), TestContext.Current.CancellationToken))
        {
            var body = System.IO.Pipelines.PipeWriter.Create(file, new System.IO.Pipelines.StreamPipeWriterOptions(leaveOpen: true));
            await NdjsonExport.WriteChainAsync(body, chain, null, TestContext.Current.CancellationToken);
            await body.CompleteAsync();
        }

        return System.Text.Encoding.UTF8.GetString(file.ToArray());
    }

    /// <summary>The export checked offline against the service's published checkpoint key.</summary>
    public async Task<VerificationReport> VerifyExportOfflineAsync(string export) =>
        await OfflineVerifier.VerifyAsync(new StringReader(export),
            await Audit.Services.GetRequiredService<CheckpointSigner>().KeyRingAsync(TestContext.Current.CancellationToken), false,
            TestContext.Current.CancellationToken);

    public async Task<List<AuditRecord>> RecordsAsync()
    {
        await using var command = Audit.Services.GetRequiredService<NpgsqlDataSource>()
            .CreateCommand($"select {ChainTable.Columns} from {ChainTable.Name} order by seq");
        return await ChainTable.ReadAllAsync(command, TestContext.Current.CancellationToken);
    }

    /// <summary>Writes records over whatever is at their seqs, as a forger with database access could.</summary>
    public async Task OverwriteAsync(IReadOnlyCollection<AuditRecord> records)
    {
        await SqlAsync($"delete from {ChainTable.Name} where seq = any(@seqs)", ("seqs", records.Select(r => r.Seq).ToArray()));
        var next = 0;
        var insert = System.Text.RegularExpressions.Regex.Replace(ChainTable.InsertSql, @"\?", _ => "@p" + next++);
        await SqlAsync(insert, [.. ChainTable.InsertValues(records).Select((value, i) => ("p" + i, value))]);
    }

    /// <summary>What an operator with database access could do: plain SQL on the audit schema.</summary>
    /// <summary>Points the chain head elsewhere, as a forger who rewrites the tail must.</summary>
    public Task<int> MoveHeadAsync(long seq, string hash) =>
        SqlAsync("update audit.mt_doc_chainhead set data = jsonb_set(jsonb_set(data, '{Seq}', to_jsonb(@seq)), '{Hash}', to_jsonb(@hash::text))",
            ("seq", seq), ("hash", hash));

    public async Task<int> SqlAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Database) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // The service registers its data source as an instance, which the container does not dispose; without this
        // every finished test would leave its idle pooled connections open until the server runs out of slots.
        var dataSource = Audit.Services.GetRequiredService<NpgsqlDataSource>();
        try
        {
            await Audit.DisposeAsync();
        }
        catch (ObjectDisposedException e) when (e.ObjectName == typeof(CancellationTokenSource).FullName)
        {
            // JasperFx's projection coordinator can stop its runner twice during host shutdown and trip over its own
            // disposed token source (seen once in CI, after the test's assertions had passed); the host is stopped.
        }

        await dataSource.DisposeAsync();
    }
}
