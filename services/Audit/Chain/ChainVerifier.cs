using Platform.Audit.Checkpoints;
using Platform.Audit.Retention;

namespace Platform.Audit.Chain;

/// <param name="Erased">Records the retention job erased in the verified range, vouched for by signed erasures.</param>
public sealed record VerificationReport(bool Ok, long Checked, long? FirstBrokenSeq, string? Reason, long? SignedThroughSeq = null, long Erased = 0);

/// <summary>
/// Walks records, erasures and checkpoints in seq order (<see cref="ChainReader"/>'s order) and checks that each record
/// links to the previous and hashes to what it claims, that each erasure links the same way and carries a valid
/// signature in place of the records it stands for, and that each checkpoint names a link that is there with that
/// hash and carries a valid signature. It keeps only the previous link, so memory stays constant.
/// </summary>
/// <param name="anchorSeq">The seq verification starts after (0, or the retention anchor).</param>
/// <param name="anchorHash">The hash of the record at <paramref name="anchorSeq"/>.</param>
/// <param name="keys">Trusted checkpoint keys; without them checkpoint signatures are not checked.</param>
/// <param name="partial">
/// For a filtered export (one tenant, a time range): records may be missing, so only the content hash of each record,
/// the link between consecutive seqs present, and checkpoint signatures are checked.
/// </param>
public sealed class ChainVerifier(long anchorSeq = 0, string? anchorHash = null, CheckpointKeyRing? keys = null, bool partial = false)
{
    private long _expectedSeq = anchorSeq + 1;
    private string _previousHash = anchorHash ?? AuditHasher.GenesisHash;
    private long _checked;
    private long _erased;
    private long? _signedThrough;
    private VerificationReport? _broken;
    private bool _anchorSigned = anchorSeq == 0 || keys is null;

    public bool IsBroken => _broken is not null;

    public void Add(object item)
    {
        switch (item)
        {
            case AuditRecord record: Add(record); break;
            case AuditCheckpoint checkpoint: Add(checkpoint); break;
            case AuditErasure erasure: Add(erasure); break;
            default: throw new ArgumentException("Only records, erasures and checkpoints make up a chain.", nameof(item));
        }
    }

    public void Add(AuditRecord record)
    {
        if (!CanLink())
        {
            return;
        }

        var linked = !partial || record.Seq == _expectedSeq;
        var reason = !partial && record.Seq != _expectedSeq ? $"expected seq {_expectedSeq}, found {record.Seq} (a record was deleted, inserted or reordered)"
            : partial && record.Seq < _expectedSeq ? $"seq {record.Seq} appears after seq {_expectedSeq - 1} (records were reordered)"
            : linked && record.PrevHash != _previousHash ? "prevHash does not match the previous record's hash"
            : !AuditHasher.HashMatches(record) ? "hash does not match the record's content (the record was edited)"
            : null;
        if (reason is not null)
        {
            Break(Math.Min(record.Seq, _expectedSeq), reason);
            return;
        }

        _checked++;
        _expectedSeq = record.Seq + 1;
        _previousHash = record.Hash;
    }

    /// <summary>
    /// Erased records are gone, so their content hashes cannot be recomputed: the erasure's signature vouches for the
    /// span instead, and its ends must link to the records around it like any record.
    /// </summary>
    public void Add(AuditErasure erasure)
    {
        if (!CanLink())
        {
            return;
        }

        var span = $"the erasure of seq {erasure.FromSeq}-{erasure.ToSeq}";
        var linked = !partial || erasure.FromSeq == _expectedSeq;
        var reason = erasure.ToSeq < erasure.FromSeq ? $"{span} is malformed"
            : !partial && erasure.FromSeq != _expectedSeq ? $"expected seq {_expectedSeq}, found {span} (a record was deleted, inserted or reordered)"
            : partial && erasure.FromSeq < _expectedSeq ? $"{span} appears after seq {_expectedSeq - 1} (records were reordered)"
            : linked && erasure.PrevHash != _previousHash ? $"{span} does not link to the previous record's hash"
            : keys is not null && !keys.IsValid(erasure) ? $"{span} has an invalid signature or an unknown key id '{erasure.KeyId}' (a forged erasure)"
            : null;
        if (reason is not null)
        {
            Break(Math.Min(erasure.FromSeq, _expectedSeq), reason);
            return;
        }

        _erased += erasure.Records;
        _expectedSeq = erasure.ToSeq + 1;
        _previousHash = erasure.Hash;
    }

    public void Add(AuditCheckpoint checkpoint)
    {
        if (_broken is not null || checkpoint.Seq < anchorSeq)
        {
            return;
        }

        var lastSeq = _expectedSeq - 1;
        if (checkpoint.Seq != lastSeq && !partial)
        {
            Break(lastSeq + 1, checkpoint.Seq > lastSeq
                ? $"checkpoint at seq {checkpoint.Seq} covers records after seq {lastSeq} that are missing (the tail was truncated or records deleted)"
                : $"checkpoint at seq {checkpoint.Seq} is out of order");
            return;
        }

        if (checkpoint.Seq == lastSeq && checkpoint.Hash != _previousHash)
        {
            Break(checkpoint.Seq, $"checkpoint at seq {checkpoint.Seq} signs a different hash than the record has");
            return;
        }

        if (keys is not null && !keys.IsValid(checkpoint))
        {
            Break(checkpoint.Seq, $"checkpoint at seq {checkpoint.Seq} has an invalid signature or an unknown key id '{checkpoint.KeyId}' (a forged checkpoint)");
            return;
        }

        _signedThrough = checkpoint.Seq;
        _anchorSigned = true;
    }

    /// <summary>Whether a link may be checked: nothing broke yet, and the anchor it starts from is signed.</summary>
    private bool CanLink()
    {
        if (_broken is null && !_anchorSigned)
        {
            Break(anchorSeq, $"the anchor at seq {anchorSeq} is not backed by a signed checkpoint");
        }

        return _broken is null;
    }

    private void Break(long seq, string reason) => _broken = new VerificationReport(false, _checked, seq, reason, _signedThrough, _erased);

    public VerificationReport Result() =>
        _broken ?? (_anchorSigned ? new VerificationReport(true, _checked, null, null, _signedThrough, _erased)
            : new VerificationReport(false, _checked, anchorSeq, $"the anchor at seq {anchorSeq} is not backed by a signed checkpoint", _signedThrough, _erased));

    /// <summary>The seq of the last record checked (the anchor's when none was).</summary>
    public long LastSeq => _expectedSeq - 1;
}
