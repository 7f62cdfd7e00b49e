using Platform.Audit.Chain;
using Platform.Audit.Checkpoints;
using Platform.Audit.Retention;
using System.Security.Cryptography;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Contracts;
using Platform.Testing;
using TenantCreated = Platform.Contracts.Auth.TenantCreated;

namespace Platform.Audit.Tests;

public sealed class RetentionTests(PlatformInfrastructure infrastructure)
{
    [Fact]
    public async Task Pruning_stops_at_the_newest_old_enough_checkpoint_and_verify_still_passes()
    {
        await using var chain = await ChainDatabase.StartAsync(infrastructure, everyRecords: 3);
        await chain.AppendAsync(7);
        var job = chain.Audit.Services.GetRequiredService<RetentionJob>();

        var anchor = await job.PruneAsync(DateTimeOffset.UtcNow.AddDays(91), TestContext.Current.CancellationToken);

        Assert.Equal(6, anchor?.Seq);
        Assert.Equal([7L], (await chain.RecordsAsync()).Select(r => r.Seq));
        var report = await chain.VerifyAsync();
        Assert.True(report.Ok, report.Reason);
        Assert.Equal(1, report.Checked);

        await chain.AppendAsync(3);
        Assert.True((await chain.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Nothing_is_pruned_while_every_checkpoint_is_within_retention()
    {
        await using var chain = await ChainDatabase.StartAsync(infrastructure, everyRecords: 3);
        await chain.AppendAsync(4);
        var job = chain.Audit.Services.GetRequiredService<RetentionJob>();

        var anchor = await job.PruneAsync(DateTimeOffset.UtcNow.AddDays(89), TestContext.Current.CancellationToken);

        Assert.Null(anchor);
        Assert.Equal(4, (await chain.RecordsAsync()).Count);
    }

    private static TenantCreated Tenant(string id, string plan, int? retentionDays, DateTimeOffset at) =>
        new(Guid.CreateVersion7(), id, id, plan, "active", Actor.System, at, null, retentionDays);

    /// <summary>
    /// seq 1-6: a free tenant (7 days) is created and calls; seq 7-9: an enterprise tenant (365 days) is created and
    /// calls; seq 10-12: the free tenant calls again. Checkpoints every 3 records, all on the service's fake clock.
    /// </summary>
    private static async Task<DateTimeOffset> InterleavedPlansAsync(ChainDatabase chain)
    {
        var start = chain.Audit.Clock.GetUtcNow();
        await chain.DeliverAsync(Tenant("free-t", "free", 7, start));
        await chain.AppendAsync(5, "free-t");
        await chain.DeliverAsync(Tenant("ent-t", "enterprise", 365, start));
        await chain.AppendAsync(2, "ent-t");
        await chain.AppendAsync(3, "free-t");
        return start;
    }

    [Fact]
    public async Task Each_plans_retention_is_a_maximum_prefix_pruned_and_expired_records_behind_kept_ones_erased()
    {
        await using var chain = await ChainDatabase.StartAsync(infrastructure, everyRecords: 3, fakeClock: true);
        var start = await InterleavedPlansAsync(chain);
        var job = chain.Audit.Services.GetRequiredService<RetentionJob>();
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(new RetentionJob.Outcome(null, 0), await job.RunAsync(start.AddDays(6), ct));

        // Past the free plan's 7 days: the free records before the enterprise tenant's first record are pruned (the
        // prefix, up to checkpoint 6); the free records after it are erased, under one signed erasure.
        var run = await job.RunAsync(start.AddDays(8), ct);
        Assert.Equal(6, run.NewAnchor?.Seq);
        Assert.Equal(3, run.Erased);
        Assert.Equal([7L, 8, 9], (await chain.RecordsAsync()).Select(r => r.Seq));
        Assert.Equal([(10L, 12L)], (await chain.ErasuresAsync()).Select(e => (e.FromSeq, e.ToSeq)));
        var report = await chain.VerifyAsync();
        Assert.True(report.Ok, report.Reason);
        Assert.Equal((3L, 3L, 12L), (report.Checked, report.Erased, report.SignedThroughSeq));

        // The chain goes on from an erased tail.
        await chain.AppendAsync(1, "ent-t");
        report = await chain.VerifyAsync();
        Assert.True(report.Ok, report.Reason);
        Assert.Equal(4, report.Checked);

        Assert.Equal(new RetentionJob.Outcome(null, 0), await job.RunAsync(start.AddDays(364), ct));

        // Past the enterprise plan's 365 days everything up to the newest checkpoint is pruned, the rest erased.
        run = await job.RunAsync(start.AddDays(366), ct);
        Assert.Equal((12L, 1L), (run.NewAnchor?.Seq, run.Erased));
        Assert.Empty(await chain.RecordsAsync());
        Assert.Equal([(13L, 13L)], (await chain.ErasuresAsync()).Select(e => (e.FromSeq, e.ToSeq)));
        report = await chain.VerifyAsync();
        Assert.True(report.Ok, report.Reason);
        Assert.Equal((0L, 1L), (report.Checked, report.Erased));
    }

    /// <summary>
    /// seq 1-2 enterprise, seq 3-8 free (checkpoints at 3 and 6), 8 days later: nothing can be pruned before seq 1, so
    /// every free record is erased, in spans that end at each checkpoint.
    /// </summary>
    private async Task<ChainDatabase> ErasedChainAsync()
    {
        var chain = await ChainDatabase.StartAsync(infrastructure, everyRecords: 3, fakeClock: true);
        var start = chain.Audit.Clock.GetUtcNow();
        await chain.DeliverAsync(Tenant("ent-t", "enterprise", 365, start));
        await chain.AppendAsync(1, "ent-t");
        await chain.DeliverAsync(Tenant("free-t", "free", 7, start));
        await chain.AppendAsync(5, "free-t");
        var run = await chain.Audit.Services.GetRequiredService<RetentionJob>().RunAsync(start.AddDays(8), TestContext.Current.CancellationToken);
        Assert.Equal(new RetentionJob.Outcome(null, 6), run);
        var report = await chain.VerifyAsync();
        Assert.True(report.Ok, report.Reason);
        return chain;
    }

    [Fact]
    public async Task Erasures_end_at_checkpoints_and_the_export_still_verifies_offline()
    {
        await using var chain = await ErasedChainAsync();
        var start = chain.Audit.Clock.GetUtcNow();
        var job = chain.Audit.Services.GetRequiredService<RetentionJob>();

        Assert.Equal([1L, 2], (await chain.RecordsAsync()).Select(r => r.Seq));
        Assert.Equal([(3L, 3L), (4L, 6L), (7L, 8L)], (await chain.ErasuresAsync()).Select(e => (e.FromSeq, e.ToSeq)));
        var export = await chain.ExportAsync();
        Assert.Equal(3, export.Split('\n').Count(line => line.Contains("\"type\":\"erasure\"", StringComparison.Ordinal)));
        var offline = await chain.VerifyExportOfflineAsync(export);
        Assert.True(offline.Ok, offline.Reason);
        Assert.Equal((2L, 6L, 6L), (offline.Checked, offline.Erased, offline.SignedThroughSeq));

        // A later checkpoint at an erasure's end can become the anchor: erasures before it go with the prefix.
        var anchor = await job.PruneAsync(start.AddDays(366), TestContext.Current.CancellationToken);
        Assert.Equal(6, anchor?.Seq);
        Assert.Equal([(7L, 8L)], (await chain.ErasuresAsync()).Select(e => (e.FromSeq, e.ToSeq)));
        Assert.True((await chain.VerifyAsync()).Ok);
        Assert.True((await chain.VerifyExportOfflineAsync(await chain.ExportAsync())).Ok);
    }

    [Theory]
    [InlineData("delete from audit.mt_doc_auditerasure where id = 6", "are missing")]
    [InlineData("update audit.mt_doc_auditerasure set data = jsonb_set(data, '{FromSeq}', '5') where id = 6", "expected seq 4")]
    [InlineData("update audit.mt_doc_auditerasure set data = jsonb_set(data, '{At}', '\"2020-01-01T00:00:00+00:00\"') where id = 6", "forged erasure")]
    public async Task Deleted_or_edited_erasure_is_reported_at_its_first_seq(string tampering, string reason)
    {
        await using var chain = await ErasedChainAsync();

        Assert.Equal(1, await chain.SqlAsync(tampering));

        var report = await chain.VerifyAsync();
        Assert.False(report.Ok);
        Assert.Equal(4, report.FirstBrokenSeq);
        Assert.Contains(reason, report.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reader_places_each_erasure_where_its_records_stood_across_page_boundaries()
    {
        await using var chain = await ErasedChainAsync();
        await chain.AppendAsync(2, "ent-t");
        await using var reader = await ChainReader.OpenAsync(chain.Audit.Services.GetRequiredService<NpgsqlDataSource>(), TestContext.Current.CancellationToken);

        var order = new List<string>();
        await foreach (var item in reader.ReadAsync(0, null, TestContext.Current.CancellationToken, pageSize: 2))
        {
            order.Add(item switch { AuditRecord r => "r" + r.Seq, AuditCheckpoint c => "c" + c.Seq, AuditErasure e => $"e{e.FromSeq}-{e.ToSeq}", _ => "?" });
        }

        Assert.Equal(["r1", "r2", "e3-3", "c3", "e4-6", "c6", "e7-8", "r9", "c9", "r10"], order);
        Assert.True((await chain.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Records_deleted_under_an_erasure_signed_with_another_key_are_reported()
    {
        await using var chain = await ChainDatabase.StartAsync(infrastructure, everyRecords: 3);
        await chain.AppendAsync(7);
        var records = await chain.RecordsAsync();
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signer = await chain.Audit.Services.GetRequiredService<CheckpointSigner>().PublicKeyAsync(TestContext.Current.CancellationToken);
        // Same key id as the real key: only the signature can tell them apart.
        var forged = CheckpointSignature.SignErasure(4, 5, records[2].Hash, records[4].Hash, DateTimeOffset.UtcNow, forger, signer.KeyId);

        await using (var session = chain.Audit.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Insert(forged);
            await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(2, await chain.SqlAsync("delete from audit.chain_records where seq in (4, 5)"));

        var report = await chain.VerifyAsync();
        Assert.False(report.Ok);
        Assert.Equal(4, report.FirstBrokenSeq);
        Assert.Contains("forged erasure", report.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tenant_whose_plan_is_unknown_to_audit_keeps_the_default_retention()
    {
        await using var chain = await ChainDatabase.StartAsync(infrastructure, everyRecords: 3, fakeClock: true);
        var start = chain.Audit.Clock.GetUtcNow();
        await chain.DeliverAsync(Tenant("free-t", "free", 7, start));
        await chain.AppendAsync(2, "free-t");
        await chain.DeliverAsync(Tenant("legacy-t", "standard", null, start));
        await chain.AppendAsync(2, "never-created");
        var job = chain.Audit.Services.GetRequiredService<RetentionJob>();

        Assert.Equal(3, (await job.PruneAsync(start.AddDays(8), TestContext.Current.CancellationToken))?.Seq);
        Assert.Null(await job.PruneAsync(start.AddDays(89), TestContext.Current.CancellationToken));
        Assert.Equal(6, (await job.PruneAsync(start.AddDays(91), TestContext.Current.CancellationToken))?.Seq);
        Assert.True((await chain.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Scheduled_job_prunes_once_the_clock_passes_the_plans_retention()
    {
        await using var chain = await ChainDatabase.StartAsync(infrastructure, everyRecords: 3, fakeClock: true);
        await chain.DeliverAsync(Tenant("free-t", "free", 7, chain.Audit.Clock.GetUtcNow()));
        // Three records: the writer checkpoints the head itself, so the periodic checkpoint (which the same clock
        // advance fires) adds none and the anchor is known.
        await chain.AppendAsync(2, "free-t");
        var store = chain.Audit.Services.GetRequiredService<IDocumentStore>();

        chain.Audit.Clock.Advance(TimeSpan.FromDays(8));

        // The retention job prunes once the clock has passed 7 days.
        var anchor = await Poll.ValueAsync(async () =>
        {
            await using var session = store.QuerySession();
            return await session.LoadAsync<ChainAnchor>(ChainAnchor.SingletonId, TestContext.Current.CancellationToken);
        }, found => found is not null, TimeSpan.FromSeconds(20));

        Assert.NotNull(anchor);
        Assert.Equal(3, anchor.Checkpoint.Seq);
        Assert.True((await chain.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Development_signing_key_survives_a_restart()
    {
        string database;
        string firstKeyId;
        await using (var first = await ChainDatabase.StartAsync(infrastructure, everyRecords: 1))
        {
            database = first.Database;
            await first.AppendAsync(1);
            firstKeyId = (await first.CheckpointsAsync()).Single().KeyId;
        }

        await using var second = await ChainDatabase.StartAsync(infrastructure, everyRecords: 1, database: database);
        await second.AppendAsync(1);

        Assert.All(await second.CheckpointsAsync(), c => Assert.Equal(firstKeyId, c.KeyId));
        Assert.True((await second.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Forged_anchor_is_reported()
    {
        await using var chain = await ChainDatabase.StartAsync(infrastructure, everyRecords: 3);
        await chain.AppendAsync(4);
        await chain.Audit.Services.GetRequiredService<RetentionJob>().PruneAsync(DateTimeOffset.UtcNow.AddDays(91), TestContext.Current.CancellationToken);

        await chain.SqlAsync("update audit.mt_doc_chainanchor set data = jsonb_set(data, '{Checkpoint,Hash}', to_jsonb(repeat('f', 64)))");

        var report = await chain.VerifyAsync();
        Assert.False(report.Ok);
        Assert.Equal(3, report.FirstBrokenSeq);
    }
}
