namespace Platform.Audit.Chain;

/// <summary>
/// One link of the audit chain. <see cref="Hash"/> = SHA-256(<see cref="PrevHash"/> ‖ canonical JSON of every other
/// field); docs/audit-chain.md specifies the canonical form so that a third party can verify an export.
/// <see cref="PersonId"/> and <see cref="ClientId"/> (a person acting through an OAuth client, decision 0007) came
/// after chains existed: the canonical form holds them only when they are set, so records without them hash as before.
/// </summary>
public sealed record AuditRecord(
    long Seq,
    DateTimeOffset At,
    Guid EventId,
    string? TenantId,
    string? KeyId,
    string? ClientIp,
    string Action,
    string Target,
    string Outcome,
    string? Details,
    string? TraceId,
    string PrevHash,
    string Hash,
    string? PersonId = null,
    string? ClientId = null);

/// <summary>The newest link: the single writer extends the chain from here.</summary>
public sealed class ChainHead
{
    public const string SingletonId = "head";

    public string Id { get; set; } = SingletonId;
    public long Seq { get; set; }
    public string Hash { get; set; } = AuditHasher.GenesisHash;
}

/// <summary>What an integration event contributes to the chain before it gets a place in it.</summary>
public sealed record AuditEntry(
    Guid EventId,
    DateTimeOffset At,
    Platform.Contracts.Actor Actor,
    string Action,
    string Target,
    string Outcome,
    string? Details,
    string? TraceId);
