namespace Platform.Audit.Retention;

/// <summary>
/// A signed statement that the retention job erased records <see cref="FromSeq"/> to <see cref="ToSeq"/>, whose
/// tenants' retention had passed while older records of other tenants were still kept. It takes their place in the
/// chain: the first erased record linked to <see cref="PrevHash"/> and the last one hashed to <see cref="Hash"/>, so
/// the records around it still link, and only the holder of the checkpoint key can vouch for a gap.
/// Signature = ECDSA P-256 with SHA-256 over <see cref="Checkpoints.CheckpointSignature.ErasureBytes"/>, IEEE P1363
/// (r ‖ s), base64. docs/audit-chain.md, "Retention and the anchor".
/// </summary>
public sealed record AuditErasure(long FromSeq, long ToSeq, string PrevHash, string Hash, DateTimeOffset At, string KeyId, string Signature)
{
    public long Records => ToSeq - FromSeq + 1;
}
