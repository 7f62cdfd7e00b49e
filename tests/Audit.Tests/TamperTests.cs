using System.Security.Cryptography;
using Platform.Audit.Chain;
using Platform.Audit.Checkpoints;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Contracts;
using Platform.Testing;

namespace Platform.Audit.Tests;

/// <summary>
/// Each test builds a chain of 7 records (checkpoints at seq 3 and 6) on its own database, damages it the way
/// someone with database access could, and checks that verify names the first seq it can prove broken.
/// </summary>
public sealed class TamperTests(PlatformInfrastructure infrastructure)
{
    private async Task<ChainDatabase> ChainOfSevenAsync()
    {
        var chain = await ChainDatabase.StartAsync(infrastructure, everyRecords: 3);
        await chain.AppendAsync(7);
        var report = await chain.VerifyAsync();
        Assert.True(report.Ok, report.Reason);
        Assert.Equal(7, report.Checked);
        Assert.Equal(6, report.SignedThroughSeq);
        return chain;
    }

    [Fact]
    public async Task Deleted_record_is_reported_at_its_seq()
    {
        await using var chain = await ChainOfSevenAsync();

        Assert.Equal(1, await chain.SqlAsync("delete from audit.chain_records where seq = 4"));

        var report = await chain.VerifyAsync();
        Assert.False(report.Ok);
        Assert.Equal(4, report.FirstBrokenSeq);
    }

    [Fact]
    public async Task Swapped_records_are_reported_at_the_first_of_them()
    {
        await using var chain = await ChainOfSevenAsync();

        await chain.SqlAsync("update audit.chain_records set seq = -4 where seq = 4");
        await chain.SqlAsync("update audit.chain_records set seq = 4 where seq = 5");
        await chain.SqlAsync("update audit.chain_records set seq = 5 where seq = -4");

        var report = await chain.VerifyAsync();
        Assert.False(report.Ok);
        Assert.Equal(4, report.FirstBrokenSeq);
    }

    [Fact]
    public async Task Forged_record_inserted_and_rehashed_is_caught_by_the_next_checkpoint()
    {
        await using var chain = await ChainOfSevenAsync();
        var records = await chain.RecordsAsync();

        // A careful forger inserts at seq 4, renumbers and rehashes everything after it, and moves the head.
        var forged = new AuditEntry(Guid.NewGuid(), DateTimeOffset.UtcNow, new Actor("acme", "key-acme", "127.0.0.1"),
            "tool.call", "tool:echo", "completed", null, null);
        var entries = records.Skip(3).Select(r => new AuditEntry(r.EventId, r.At, new Actor(r.TenantId, r.KeyId, r.ClientIp),
            r.Action, r.Target, r.Outcome, r.Details, r.TraceId)).Prepend(forged);
        var previous = records[2].Hash;
        var seq = 4L;
        var rewritten = new List<AuditRecord>();
        foreach (var entry in entries)
        {
            rewritten.Add(AuditHasher.Link(seq++, previous, entry));
            previous = rewritten[^1].Hash;
        }

        await chain.OverwriteAsync(rewritten);

        await chain.MoveHeadAsync(8, (await chain.RecordsAsync())[^1].Hash);

        var report = await chain.VerifyAsync();
        Assert.False(report.Ok);
        Assert.Equal(6, report.FirstBrokenSeq);
        Assert.Contains("checkpoint", report.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tail_truncated_after_a_checkpoint_is_reported_where_records_go_missing()
    {
        await using var chain = await ChainOfSevenAsync();
        var records = await chain.RecordsAsync();

        // Cut everything after seq 4 and move the head back, so only the checkpoint at 6 remembers the longer chain.
        await chain.SqlAsync("delete from audit.chain_records where seq > 4");
        await chain.MoveHeadAsync(4, records[3].Hash);

        var report = await chain.VerifyAsync();
        Assert.False(report.Ok);
        Assert.Equal(5, report.FirstBrokenSeq);
        Assert.Contains("truncated", report.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forged_checkpoint_is_reported_at_its_seq()
    {
        await using var chain = await ChainOfSevenAsync();
        var genuine = (await chain.CheckpointsAsync()).Single(c => c.Seq == 6);

        // Signed with the forger's own key but claiming the real key id.
        using var forgerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = CheckpointSignature.Sign(6, genuine.Hash, genuine.At, forgerKey, genuine.KeyId);
        await chain.SqlAsync("update audit.mt_doc_auditcheckpoint set data = jsonb_set(data, '{Signature}', to_jsonb(@signature::text)) where id = 6",
            ("signature", forged.Signature));

        var report = await chain.VerifyAsync();
        Assert.False(report.Ok);
        Assert.Equal(6, report.FirstBrokenSeq);
        Assert.Contains("signature", report.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Periodic_checkpoint_covers_the_head_after_the_configured_seconds()
    {
        await using var chain = await ChainDatabase.StartAsync(infrastructure, everyRecords: 1000, everySeconds: 1);
        await chain.AppendAsync(2);

        await Poll.UntilAsync(async () => (await chain.CheckpointsAsync()).Any(c => c.Seq == 2), TimeSpan.FromSeconds(10),
            "a checkpoint of the head appeared");

        var report = await chain.VerifyAsync();
        Assert.True(report.Ok, report.Reason);
        Assert.Equal(2, report.SignedThroughSeq);
    }
}

public sealed class ChainReaderTests(PlatformInfrastructure infrastructure)
{
    [Fact]
    public async Task Pages_merge_records_and_checkpoints_in_seq_order_across_page_boundaries()
    {
        await using var chain = await ChainDatabase.StartAsync(infrastructure, everyRecords: 2);
        await chain.AppendAsync(7);
        await using var reader = await ChainReader.OpenAsync(chain.Audit.Services.GetRequiredService<NpgsqlDataSource>(), TestContext.Current.CancellationToken);

        var order = new List<string>();
        await foreach (var item in reader.ReadAsync(0, null, TestContext.Current.CancellationToken, pageSize: 2))
        {
            order.Add(item switch { AuditRecord r => "r" + r.Seq, AuditCheckpoint c => "c" + c.Seq, _ => "?" });
        }

        Assert.Equal(["r1", "r2", "c2", "r3", "r4", "c4", "r5", "r6", "c6", "r7"], order);
    }
}
