namespace Platform.Audit.Checkpoints;

/// <summary>
/// A signed statement that the chain's record <see cref="Seq"/> has <see cref="Hash"/>. Signature = ECDSA P-256 with
/// SHA-256 over <see cref="CheckpointSignature.CanonicalBytes"/>, IEEE P1363 (r ‖ s), base64.
/// </summary>
public sealed record AuditCheckpoint(long Seq, string Hash, DateTimeOffset At, string KeyId, string Signature);

/// <summary>
/// Where verification starts once older records were pruned: the checkpoint that was newest at the prune's cut-off.
/// </summary>
public sealed class ChainAnchor
{
    public const string SingletonId = "anchor";

    public string Id { get; set; } = SingletonId;
    public AuditCheckpoint Checkpoint { get; set; } = null!;
}

public sealed class CheckpointOptions
{
    public const string Section = "Audit:Checkpoints";

    public int EveryRecords { get; set; } = 1000;
    public int EverySeconds { get; set; } = 60;
}

/// <summary>A development-only signing key, kept in the audit schema so restarts keep it.</summary>
public sealed class StoredCheckpointSigningKey
{
    public const string SingletonId = "checkpoint-signing-key";

    public string Id { get; set; } = SingletonId;
    public string Pkcs8Pem { get; set; } = "";
}
