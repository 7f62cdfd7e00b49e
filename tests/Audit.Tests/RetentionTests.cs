extern alias AuditService;
using AuditService::Platform.Audit.Retention;
using Microsoft.Extensions.DependencyInjection;
using Platform.Testing;

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
