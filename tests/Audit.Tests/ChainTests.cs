using Platform.Audit.Chain;
using Platform.Contracts;

namespace Platform.Audit.Tests;

public sealed class ChainTests
{
    private static List<AuditRecord> Chain(int length)
    {
        var records = new List<AuditRecord>();
        var previous = AuditHasher.GenesisHash;
        for (var seq = 1; seq <= length; seq++)
        {
            var record = AuditHasher.Link(seq, previous, new AuditEntry(Guid.NewGuid(), new DateTimeOffset(2026, 1, 1, 0, 0, seq, TimeSpan.Zero),
                new Actor("acme", "key" + seq, "10.0.0.1"), "tool.call", "tool:echo", "completed", "{\"n\":" + seq + "}", null));
            records.Add(record);
            previous = record.Hash;
        }

        return records;
    }

    private static VerificationReport Verify(IEnumerable<AuditRecord> records)
    {
        var verifier = new ChainVerifier();
        foreach (var record in records)
        {
            verifier.Add(record);
        }

        return verifier.Result();
    }

    [Fact]
    public void Untouched_chain_verifies()
    {
        var report = Verify(Chain(5));

        Assert.True(report.Ok);
        Assert.Equal(5, report.Checked);
    }

    [Fact]
    public void Edited_field_breaks_the_chain_at_that_record()
    {
        var chain = Chain(5);
        chain[2] = chain[2] with { Outcome = "failed" };

        Assert.Equal(3, Verify(chain).FirstBrokenSeq);
    }

    [Fact]
    public void Deleted_record_breaks_the_chain_where_it_was()
    {
        var chain = Chain(5);
        chain.RemoveAt(1);

        Assert.Equal(2, Verify(chain).FirstBrokenSeq);
    }

    [Fact]
    public void Swapped_records_break_the_chain_at_the_first_of_them()
    {
        var chain = Chain(5);
        (chain[1], chain[2]) = (chain[2], chain[1]);

        Assert.Equal(2, Verify(chain).FirstBrokenSeq);
    }

    [Fact]
    public void Canonical_form_is_the_documented_one()
    {
        var record = AuditHasher.Link(7, AuditHasher.GenesisHash, new AuditEntry(Guid.Parse("01a20502-156f-73ae-9e77-7bcf780a793b"),
            new DateTimeOffset(2026, 11, 22, 20, 45, 52, 351, TimeSpan.Zero).AddTicks(224), new Actor("acme", "k1", null), "tool.call", "tool:echo", "completed", null, "abc"));

        var canonical = System.Text.Encoding.UTF8.GetString(AuditHasher.CanonicalJson(record));

        Assert.Equal(
            """{"action":"tool.call","at":"2026-11-22T20:45:52.351022Z","clientIp":null,"details":null,"eventId":"01a20502-156f-73ae-9e77-7bcf780a793b","keyId":"k1","outcome":"completed","prevHash":"0000000000000000000000000000000000000000000000000000000000000000","seq":7,"target":"tool:echo","tenantId":"acme","traceId":"abc"}""",
            canonical);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(AuditHasher.GenesisHash + canonical))), record.Hash);
    }
}
