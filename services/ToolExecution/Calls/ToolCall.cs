namespace Platform.ToolExecution.Calls;

// Domain events of one tool call's stream (one stream per call, keyed by the call id).
// PersonId and ClientId came with people (decision 0007); streams written before them read as null.
public sealed record ToolCallStarted(
    Guid CallId, string Tool, string? TenantId, string? KeyId, string? ClientIp, string ArgumentsSha256, string? TraceId, DateTimeOffset At,
    string? PersonId = null, string? ClientId = null);

public sealed record ToolCallCompleted(Guid CallId, double DurationMs, DateTimeOffset At);

public sealed record ToolCallFailed(Guid CallId, string Error, double DurationMs, DateTimeOffset At);

public sealed record ToolCallRejected(Guid CallId, string Reason, DateTimeOffset At);

/// <summary>Why a call was refused before its tool ran.</summary>
public static class RejectionReasons
{
    public const string Forbidden = "forbidden";
    public const string InvalidArguments = "invalid_arguments";
    public const string RateLimited = "rate_limited";
}

/// <summary>How a call ended, as the recorder sees it.</summary>
public sealed record CallOutcome(string Outcome, string? Reason, double DurationMs)
{
    public static CallOutcome Completed(double ms) => new(Contracts.ToolCalls.ToolCallOutcomes.Completed, null, ms);
    public static CallOutcome Failed(string error, double ms) => new(Contracts.ToolCalls.ToolCallOutcomes.Failed, error, ms);
    public static CallOutcome Rejected(string reason) => new(Contracts.ToolCalls.ToolCallOutcomes.Rejected, reason, 0);
}
