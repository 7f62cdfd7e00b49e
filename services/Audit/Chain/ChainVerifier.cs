namespace Platform.Audit.Chain;

public sealed record VerificationReport(bool Ok, long Checked, long? FirstBrokenSeq, string? Reason);

/// <summary>
/// Walks records in seq order and checks that each one links to the previous and hashes to what it claims.
/// Feed it pages as they are read: it keeps only the previous link, so memory stays constant.
/// </summary>
public sealed class ChainVerifier(long anchorSeq = 0, string? anchorHash = null)
{
    private long _expectedSeq = anchorSeq + 1;
    private string _previousHash = anchorHash ?? AuditHasher.GenesisHash;
    private long _checked;
    private VerificationReport? _broken;

    public bool IsBroken => _broken is not null;

    public void Add(AuditRecord record)
    {
        if (_broken is not null)
        {
            return;
        }

        var reason = record.Seq != _expectedSeq ? $"expected seq {_expectedSeq}, found {record.Seq} (a record was deleted, inserted or reordered)"
            : record.PrevHash != _previousHash ? "prevHash does not match the previous record's hash"
            : AuditHasher.ComputeHash(record) != record.Hash ? "hash does not match the record's content (the record was edited)"
            : null;
        if (reason is not null)
        {
            _broken = new VerificationReport(false, _checked, Math.Min(record.Seq, _expectedSeq), reason);
            return;
        }

        _checked++;
        _expectedSeq++;
        _previousHash = record.Hash;
    }

    public VerificationReport Result() => _broken ?? new VerificationReport(true, _checked, null, null);
}
