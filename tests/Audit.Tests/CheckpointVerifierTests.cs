using System.Security.Cryptography;
using Platform.Audit.Chain;
using Platform.Audit.Checkpoints;
using Platform.Contracts;

namespace Platform.Audit.Tests;

public sealed class CheckpointVerifierTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static (List<object> Items, CheckpointKeyRing Keys) SignedChain(ECDsa key, int length, int every)
    {
        var items = new List<object>();
        var previous = AuditHasher.GenesisHash;
        for (var seq = 1; seq <= length; seq++)
        {
            var record = AuditHasher.Link(seq, previous, new AuditEntry(Guid.NewGuid(), At.AddSeconds(seq), new Actor("acme", "k", null),
                "tool.call", "tool:echo", "completed", null, null));
            items.Add(record);
            previous = record.Hash;
            if (seq % every == 0)
            {
                items.Add(CheckpointSignature.Sign(seq, record.Hash, At.AddSeconds(seq), key, CheckpointSignature.KeyIdOf(key)));
            }
        }

        var ring = new CheckpointKeyRing();
        ring.Add(key);
        return (items, ring);
    }

    private static VerificationReport Verify(IEnumerable<object> items, CheckpointKeyRing keys, long anchorSeq = 0, string? anchorHash = null)
    {
        var verifier = new ChainVerifier(anchorSeq, anchorHash, keys);
        foreach (var item in items)
        {
            verifier.Add(item);
        }

        return verifier.Result();
    }

    [Fact]
    public void Signed_chain_verifies_and_reports_how_far_signatures_reach()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (items, keys) = SignedChain(key, 10, 4);

        var report = Verify(items, keys);

        Assert.True(report.Ok, report.Reason);
        Assert.Equal(10, report.Checked);
        Assert.Equal(8, report.SignedThroughSeq);
    }

    [Fact]
    public void Checkpoint_canonical_bytes_are_the_documented_ones()
    {
        var bytes = CheckpointSignature.CanonicalBytes(42, new string('a', 64), new DateTimeOffset(2026, 11, 22, 20, 45, 52, 351, TimeSpan.Zero).AddTicks(224));

        Assert.Equal("platform-audit-checkpoint/v1\n42\n" + new string('a', 64) + "\n2026-11-22T20:45:52.351022Z", System.Text.Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Checkpoint_time_moved_after_signing_is_a_forgery()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (items, keys) = SignedChain(key, 4, 2);
        var index = items.FindIndex(i => i is AuditCheckpoint { Seq: 2 });
        items[index] = ((AuditCheckpoint)items[index]) with { At = At.AddDays(-30) };

        var report = Verify(items, keys);

        Assert.False(report.Ok);
        Assert.Equal(2, report.FirstBrokenSeq);
    }

    [Fact]
    public void Anchor_without_its_signed_checkpoint_is_not_trusted()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (items, keys) = SignedChain(key, 6, 3);
        var anchor = (AuditCheckpoint)items.Single(i => i is AuditCheckpoint { Seq: 3 });
        var afterAnchor = items.SkipWhile(i => i != (object)anchor).Skip(1).ToList();

        Assert.True(Verify(afterAnchor.Prepend(anchor), keys, anchor.Seq, anchor.Hash).Ok);
        Assert.False(Verify(afterAnchor, keys, anchor.Seq, anchor.Hash).Ok);
    }
}
