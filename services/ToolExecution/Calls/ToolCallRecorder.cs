using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Claims;
using System.Text.Json;
using Platform.Contracts;
using Platform.Contracts.ToolCalls;
using Platform.Redaction;
using Platform.Authentication;
using Platform.ServiceDefaults.Storage;

namespace Platform.ToolExecution.Calls;

/// <summary>
/// Appends a finished call to its own event stream and publishes <see cref="ToolCallRecorded"/> through the Marten
/// outbox in the same transaction (shared with concurrent calls by <see cref="ToolCallJournal"/>), before the answer
/// goes back to the client. So an answered call always reaches the audit trail; a call whose process died mid-tool
/// was never answered. Started and final events are written together to keep a call inside one commit.
/// </summary>
public sealed class ToolCallRecorder(ToolCallJournal journal, DatabaseAvailability availability, TimeProvider time, ToolCallMetrics metrics)
{
    /// <summary>How long an answer may wait for its commit: far above a loaded commit (docs/benchmarks.md), well below a client's patience.</summary>
    internal static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(3);

    public sealed record CallContext(Guid CallId, string Tool, ClaimsPrincipal? User, string? ClientIp, string ArgumentsSha256,
        string RedactedArguments, string? TraceId, long StartedTimestamp, DateTimeOffset StartedAt);

    /// <summary>
    /// Arguments are kept only redacted, plus a SHA-256 of the original so an investigator holding the original can
    /// prove a match.
    /// </summary>
    public CallContext Begin(string tool, ClaimsPrincipal? user, string? clientIp, IDictionary<string, JsonElement>? arguments)
    {
        var json = JsonSerializer.Serialize(arguments ?? new Dictionary<string, JsonElement>());
        return new(Guid.CreateVersion7(), tool, user, clientIp, Redactor.Sha256Hex(json), Redactor.RedactJson(json),
            Activity.Current?.TraceId.ToString(), time.GetTimestamp(), time.GetUtcNow());
    }

    public double ElapsedMs(CallContext call) => time.GetElapsedTime(call.StartedTimestamp).TotalMilliseconds;

    public async Task RecordAsync(CallContext call, CallOutcome outcome)
    {
        var now = time.GetUtcNow();
        var tenant = call.User?.TenantOf();
        var keyId = call.User?.KeyIdOf();
        var personId = call.User?.PersonIdOf();
        var clientId = call.User?.ClientIdOf();
        var started = new ToolCallStarted(call.CallId, call.Tool, tenant, keyId, call.ClientIp, call.ArgumentsSha256, call.TraceId, call.StartedAt,
            personId, clientId);
        object final = outcome.Outcome switch
        {
            ToolCallOutcomes.Completed => new ToolCallCompleted(call.CallId, outcome.DurationMs, now),
            ToolCallOutcomes.Failed => new ToolCallFailed(call.CallId, outcome.Reason ?? "error", outcome.DurationMs, now),
            _ => new ToolCallRejected(call.CallId, outcome.Reason ?? RejectionReasons.Forbidden, now),
        };
        var recorded = new ToolCallRecorded(Guid.CreateVersion7(), call.CallId, call.Tool, outcome.Outcome, outcome.Reason,
            call.ArgumentsSha256, call.RedactedArguments, outcome.DurationMs, new Actor(tenant, keyId, call.ClientIp, personId, clientId), now, call.TraceId);
        // Not cancellable by the client: the audit write of a call that already ran must happen.
        var committed = journal.AppendAsync(new ToolCallJournal.Entry(call.CallId, [started, final], recorded, Activity.Current));
        var waitStarted = time.GetTimestamp();
        try
        {
            await committed.WaitAsync(CommitTimeout, time);
            metrics.RecordCommitWait(time.GetElapsedTime(waitStarted).TotalMilliseconds);
        }
        catch (TimeoutException)
        {
            // A commit that neither succeeds nor fails is what a PostgreSQL restart looks like from here (the PostgreSQL
            // drill saw calls hang until the client gave up): answer 503 now rather than keep the client waiting. The
            // entry stays queued and is committed once the database is back, so the call that ran is still recorded.
            availability.ReportUnresponsive(CommitTimeout);
            throw new ToolCallNotRecordedException(CommitTimeout);
        }

        metrics.Record(call.Tool, outcome);
    }
}

/// <summary>The call ran, but its record was not committed in time, so it must not be answered as a success.</summary>
public sealed class ToolCallNotRecordedException(TimeSpan waited)
    : Exception($"The call's record was not committed within {waited.TotalSeconds:0.#} s.");

/// <summary>The <c>platform.tool.*</c> metrics.</summary>
public sealed class ToolCallMetrics
{
    public const string MeterName = "Platform.ToolExecution";
    private readonly Counter<long> _calls;
    private readonly Histogram<double> _duration;
    private readonly Histogram<int> _callsPerCommit;
    private readonly Histogram<double> _commitWait;

    public ToolCallMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _calls = meter.CreateCounter<long>("platform.tool.calls", "{call}", "Tool calls by tool and outcome.");
        _duration = meter.CreateHistogram<double>("platform.tool.call.duration", "ms", "Tool call duration.");
        // How much the group commit groups: 1 at low load; it grows with concurrency, and a commit that is slow to
        // come back (PostgreSQL under pressure) shows here first.
        _callsPerCommit = meter.CreateHistogram<int>("platform.tool.journal.commit_calls", "{call}", "Tool calls committed together per journal transaction.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        // The part of a call's latency spent waiting for its durable commit (queued behind the commit in flight, then
        // its own): the cost of "recorded before answered", and the first figure to look at when answers slow down.
        _commitWait = meter.CreateHistogram<double>("platform.tool.journal.commit_wait", "ms", "Time an answered call waited for its record's commit.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 3000] });
    }

    public void RecordCommit(int calls) => _callsPerCommit.Record(calls);

    public void RecordCommitWait(double milliseconds) => _commitWait.Record(milliseconds);

    public void Record(string tool, CallOutcome outcome)
    {
        var tags = new TagList { { "tool", tool }, { "outcome", outcome.Outcome } };
        _calls.Add(1, tags);
        _duration.Record(outcome.DurationMs, tags);
    }
}
