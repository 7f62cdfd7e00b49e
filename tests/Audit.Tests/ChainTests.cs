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

    private static readonly Guid ExampleEventId = Guid.Parse("01a20502-156f-73ae-9e77-7bcf780a793b");
    private static readonly DateTimeOffset ExampleAt = new DateTimeOffset(2026, 11, 22, 20, 45, 52, 351, TimeSpan.Zero).AddTicks(224);

    [Fact]
    public void Record_without_person_or_client_hashes_exactly_as_before_they_existed()
    {
        // The hash of the documented example, computed from the documented canonical text (outside this code base):
        // chains and exports written before people must verify unchanged.
        var record = AuditHasher.Link(7, AuditHasher.GenesisHash, new AuditEntry(ExampleEventId, ExampleAt,
            new Actor("acme", "k1", null, PersonId: null, ClientId: null), "tool.call", "tool:echo", "completed", null, "abc"));

        Assert.Equal("aa31135ae0967e81b9b11137271783031f77e6a387f791a666dc806c4e1707fe", record.Hash);
        Assert.True(AuditHasher.HashMatches(record));
    }

    [Fact]
    public void Person_and_client_are_in_the_canonical_form_in_ordinal_order_when_set()
    {
        var record = AuditHasher.Link(7, AuditHasher.GenesisHash, new AuditEntry(ExampleEventId, ExampleAt,
            new Actor("acme", null, null, "p_01jd0000000000000000000000", "https://client.example/cimd.json"), "tool.call", "tool:echo", "completed", null, "abc"));

        var canonical = System.Text.Encoding.UTF8.GetString(AuditHasher.CanonicalJson(record));

        Assert.Equal(
            """{"action":"tool.call","at":"2026-11-22T20:45:52.351022Z","clientId":"https://client.example/cimd.json","clientIp":null,"details":null,"eventId":"01a20502-156f-73ae-9e77-7bcf780a793b","keyId":null,"outcome":"completed","personId":"p_01jd0000000000000000000000","prevHash":"0000000000000000000000000000000000000000000000000000000000000000","seq":7,"target":"tool:echo","tenantId":"acme","traceId":"abc"}""",
            canonical);
        Assert.Equal("bf8ff2dfd8d48901c36c28ed1dfcd45a45f0865543dff2eb9e564f2bd8416c14", record.Hash);
    }

    [Fact]
    public void Edited_or_removed_person_breaks_the_chain()
    {
        var previous = AuditHasher.GenesisHash;
        var chain = new List<AuditRecord>();
        for (var seq = 1; seq <= 3; seq++)
        {
            var record = AuditHasher.Link(seq, previous, new AuditEntry(Guid.NewGuid(), ExampleAt.AddSeconds(seq),
                new Actor("acme", null, null, "p_person" + seq, "client"), "tool.call", "tool:echo", "completed", null, null));
            chain.Add(record);
            previous = record.Hash;
        }

        var edited = chain.ToList();
        edited[1] = edited[1] with { PersonId = "p_someone_else" };
        var removed = chain.ToList();
        removed[2] = removed[2] with { PersonId = null, ClientId = null };

        Assert.True(Verify(chain).Ok);
        Assert.Equal(2, Verify(edited).FirstBrokenSeq);
        Assert.Equal(3, Verify(removed).FirstBrokenSeq);
    }
}
