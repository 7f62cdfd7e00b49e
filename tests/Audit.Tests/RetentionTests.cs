extern alias AuditService;
using AuditService::Platform.Audit.Checkpoints;
using AuditService::Platform.Audit.Retention;
using Marten;
using Microsoft.Extensions.DependencyInjection;
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
    public async Task Each_plans_retention_prunes_the_prefix_no_tenant_still_needs_and_verify_passes()
    {
        await using var chain = await ChainDatabase.StartAsync(infrastructure, everyRecords: 3, fakeClock: true);
        var start = await InterleavedPlansAsync(chain);
        var job = chain.Audit.Services.GetRequiredService<RetentionJob>();
        var ct = TestContext.Current.CancellationToken;

        Assert.Null(await job.PruneAsync(start.AddDays(6), ct));

        // Past the free plan's 7 days: the free records before the enterprise tenant's first record go; the ones
        // after it stay behind it (the chain loses only a prefix), still verifiable.
        var anchor = await job.PruneAsync(start.AddDays(8), ct);
        Assert.Equal(6, anchor?.Seq);
        Assert.Equal([7L, 8, 9, 10, 11, 12], (await chain.RecordsAsync()).Select(r => r.Seq));
        var report = await chain.VerifyAsync();
        Assert.True(report.Ok, report.Reason);
        Assert.Equal(6, report.Checked);

        Assert.Null(await job.PruneAsync(start.AddDays(364), ct));

        // Past the enterprise plan's 365 days everything up to the newest checkpoint goes.
        Assert.Equal(12, (await job.PruneAsync(start.AddDays(366), ct))?.Seq);
        Assert.Empty(await chain.RecordsAsync());
        Assert.True((await chain.VerifyAsync()).Ok);
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

        ChainAnchor? anchor = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (anchor is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the retention job did not prune after the clock passed 7 days");
            await Task.Delay(100, TestContext.Current.CancellationToken);
            await using var session = store.QuerySession();
            anchor = await session.LoadAsync<ChainAnchor>(ChainAnchor.SingletonId, TestContext.Current.CancellationToken);
        }

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
