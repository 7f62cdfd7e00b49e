using System.Diagnostics;
using System.Threading.Channels;
using Marten;
using Marten.Services;
using Platform.Contracts.ToolCalls;
using Platform.ServiceDefaults.Storage;
using Wolverine.Marten;

namespace Platform.ToolExecution.Calls;

/// <summary>
/// Group commit for tool calls. Every answered call must be durable (its event stream and the outbox message for
/// Audit) before the answer leaves, but one transaction per call makes PostgreSQL round trips, not tools, the limit
/// on throughput. So calls that finish while a commit is in flight wait for the next one, and each commit carries
/// all of them: at low load a batch is one call and nothing waits longer than one commit; under load the number of
/// transactions stays flat while the calls per transaction grow. A caller's task completes only after its batch
/// committed, so the guarantee is unchanged.
/// <para>
/// Callers are released at the commit, not after Wolverine has sent the batch's messages on: that send moves one
/// envelope at a time from the outbox table to Audit's queue (a pooled connection and a statement each), and waiting
/// for it made every answer wait for all of its neighbours' sends. The committed outbox rows are what make a message
/// durable; if the process dies before they are sent, the node that finds it stale sends them
/// (tests/EndToEnd.Tests/ToolExecutionCrashTests). For the same reason one batch's send overlaps the next batch's
/// commit: at most two batches are in flight, so neither a slow send nor a slow commit stalls the other.
/// </para>
/// <para>
/// A commit publishes one <see cref="ToolCallsRecorded"/> carrying all of its calls, not one message per call: every
/// envelope costs an outbox row, a move into Audit's queue table, a receive and an inbox row, and per call those
/// statements cost PostgreSQL more than the calls' own events did (docs/decisions/0003-call-recording-in-one-transaction.md).
/// </para>
/// </summary>
public sealed partial class ToolCallJournal(IServiceScopeFactory scopes, DatabaseAvailability availability, ToolCallMetrics metrics, ILogger<ToolCallJournal> logger)
    : BackgroundService
{
    /// <summary>Upper bound per transaction, so one commit stays short and its statement batch bounded.</summary>
    private const int MaxBatch = 256;

    private readonly Channel<Entry> _pending = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Traces each commit, linked to the requests whose calls it carries.</summary>
    private static readonly ActivitySource Tracing = new(ToolCallMetrics.MeterName);

    /// <summary>One call's events and its integration event, plus the request activity for trace propagation.</summary>
    public sealed record Entry(Guid StreamId, object[] Events, ToolCallRecorded IntegrationEvent, Activity? Activity)
    {
        internal TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Completes when the entry is committed; fails with the commit's exception otherwise.</summary>
    public Task AppendAsync(Entry entry)
    {
        if (!_pending.Writer.TryWrite(entry))
        {
            throw new InvalidOperationException("The tool-call journal is stopped; the service is shutting down.");
        }

        return entry.Committed.Task;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // The web server stops (and drains its requests) before this service, so nothing waits on an entry that is
        // never written: completing the channel lets the loop commit what is queued and end.
        _pending.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sending = Task.CompletedTask;
        // Deliberately not cancelled by stoppingToken: queued calls were already answered by their tools and must be
        // committed before the process ends.
        while (await _pending.Reader.WaitToReadAsync(CancellationToken.None))
        {
            var batch = new List<Entry>();
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var entry))
            {
                batch.Add(entry);
            }

            var write = CommitAsync(batch);
            // The next batch may start once every caller of this one has its answer; the previous batch's send must
            // be done by then, so at most one send runs beside one commit.
            await Task.WhenAll(batch.Select(e => e.Committed.Task)).ContinueWith(static _ => { }, TaskScheduler.Default);
            await sending;
            sending = write;
        }

        await sending;
    }

    /// <summary>Never throws: every entry ends committed or failed, and a failed send after the commit is logged.</summary>
    private async Task CommitAsync(List<Entry> batch)
    {
        var committed = false;
        try
        {
            await WriteAsync(batch, () =>
            {
                committed = true;
                metrics.RecordCommit(batch.Count);
                batch.ForEach(e => e.Committed.TrySetResult());
            });
        }
        catch (Exception sendError) when (committed)
        {
            // Marten ran our listener, so the batch is durable and its callers have their answers; only Wolverine's
            // send after the commit failed. Retrying the calls would record them twice: their envelopes stay in the
            // outbox table, where Wolverine's outbox recovery finds them.
            LogSendFailed(logger, batch.Count, sendError.GetType().Name);
        }
        catch (Exception unreachable) when (availability.ReportFailure(unreachable))
        {
            // PostgreSQL is gone, not one entry bad: retrying each alone would only make every caller wait longer for
            // the same failure (the PostgreSQL restart drill measured calls waiting seconds).
            batch.ForEach(e => e.Committed.TrySetException(unreachable));
        }
        catch (Exception batchError) when (batch.Count > 1)
        {
            // One bad entry must not fail its neighbours: retry each alone so every caller gets its own outcome.
            LogBatchFailed(logger, batch.Count, batchError.GetType().Name);
            foreach (var entry in batch)
            {
                try
                {
                    await WriteAsync([entry], () =>
                    {
                        metrics.RecordCommit(1);
                        entry.Committed.TrySetResult();
                    });
                }
                catch (Exception e)
                {
                    entry.Committed.TrySetException(e);
                }
            }
        }
        catch (Exception e)
        {
            batch[0].Committed.TrySetException(e);
        }
    }

    private async Task WriteAsync(List<Entry> entries, Action onCommitted)
    {
        await using var scope = scopes.CreateAsyncScope();
        var session = scope.ServiceProvider.GetRequiredService<IDocumentSession>();
        // Added before the outbox enrolls its own listener, so Marten runs it first: right after the commit, before
        // the outbox sends.
        session.Listeners.Add(new ReleaseOnCommit(onCommitted));
        var outbox = scope.ServiceProvider.GetRequiredService<IMartenOutbox>();
        outbox.Enroll(session);
        foreach (var entry in entries)
        {
            session.Events.StartStream(entry.StreamId, entry.Events);
        }

        // Wolverine stamps the outgoing envelope with the current activity. A commit of one call stays in that call's
        // trace; a commit of many is its own span linked to each caller's request (each record also carries its
        // call's trace id), so the audit append can be followed from any of them. Being an async method, this one
        // leaves Activity.Current as it found it for the loop.
        using var commit = Tracing.StartActivity("tool_calls.commit", ActivityKind.Producer,
            entries.Count == 1 && entries[0].Activity is { } single ? single.Context : default,
            links: entries.Where(e => e.Activity is not null).Select(e => new ActivityLink(e.Activity!.Context)));
        commit?.SetTag("platform.tool_calls", entries.Count);
        await outbox.PublishAsync(new ToolCallsRecorded([.. entries.Select(e => e.IntegrationEvent)]));
        await session.SaveChangesAsync(CancellationToken.None);
    }

    private sealed class ReleaseOnCommit(Action onCommitted) : DocumentSessionListenerBase
    {
        public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
        {
            onCommitted();
            return Task.CompletedTask;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending the outbox messages of {Count} committed tool calls failed ({Error}); they stay in the outbox table for recovery.")]
    private static partial void LogSendFailed(ILogger logger, int count, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A tool-call commit of {Count} calls failed ({Error}); committing them one by one.")]
    private static partial void LogBatchFailed(ILogger logger, int count, string error);
}
