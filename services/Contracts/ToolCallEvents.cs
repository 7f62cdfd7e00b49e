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
