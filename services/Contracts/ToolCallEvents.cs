using Wolverine.Attributes;

namespace Platform.Contracts.ToolCalls;

/// <summary>Outcome of a tool call as Audit records it.</summary>
public static class ToolCallOutcomes
{
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Rejected = "rejected";
}

/// <summary>
/// One finished tool call, published in the same transaction that appends the call's final event, so no call
/// that got an answer is missing from the audit trail. Arguments arrive already redacted.
/// </summary>
[MessageIdentity("platform.tool-execution.tool-call-recorded.v1")]
public sealed record ToolCallRecorded(
    Guid EventId, Guid CallId, string Tool, string Outcome, string? Reason,
    string ArgumentsSha256, string? RedactedArguments, double DurationMs,
    Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

/// <summary>
/// Every call of one ToolExecution commit, in one message. ToolExecution commits concurrent calls together (group
/// commit), and one envelope per commit instead of one per call is what keeps the outbox, the PostgreSQL queue and
/// Audit's inbox from costing more than the calls themselves (docs/decisions/0003-call-recording-in-one-transaction.md).
/// Audit still handles a lone <see cref="ToolCallRecorded"/>, which an earlier build published.
/// </summary>
[MessageIdentity("platform.tool-execution.tool-calls-recorded.v1")]
public sealed record ToolCallsRecorded(IReadOnlyList<ToolCallRecorded> Calls);
