using System.Diagnostics;
using System.Threading.Channels;
using Marten;
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
/// </summary>
public sealed partial class ToolCallJournal(IServiceScopeFactory scopes, DatabaseAvailability availability, ILogger<ToolCallJournal> logger)
    : BackgroundService
{
    /// <summary>Upper bound per transaction, so one commit stays short and its statement batch bounded.</summary>
    private const int MaxBatch = 256;

    private readonly Channel<Entry> _pending = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>One call's events and its integration event, plus the request activity for trace propagation.</summary>
    public sealed record Entry(Guid StreamId, object[] Events, object IntegrationEvent, Activity? Activity)
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
        var batch = new List<Entry>(MaxBatch);
        // Deliberately not cancelled by stoppingToken: queued calls were already answered by their tools and must be
        // committed before the process ends.
        while (await _pending.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var entry))
            {
                batch.Add(entry);
            }

            await CommitAsync(batch);
            batch.Clear();
        }
    }

    private async Task CommitAsync(List<Entry> batch)
    {
        try
        {
            await WriteAsync(batch);
            batch.ForEach(e => e.Committed.TrySetResult());
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
                    await WriteAsync([entry]);
                    entry.Committed.TrySetResult();
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

    private async Task WriteAsync(IReadOnlyList<Entry> entries)
    {
        await using var scope = scopes.CreateAsyncScope();
        var session = scope.ServiceProvider.GetRequiredService<IDocumentSession>();
        var outbox = scope.ServiceProvider.GetRequiredService<IMartenOutbox>();
        outbox.Enroll(session);
        var loopActivity = Activity.Current;
        try
        {
            foreach (var entry in entries)
            {
                session.Events.StartStream(entry.StreamId, entry.Events);
                // Wolverine stamps the outgoing envelope with the current activity: make that the caller's request,
                // so the call, its message and the audit append share one trace.
                Activity.Current = entry.Activity;
                await outbox.PublishAsync(entry.IntegrationEvent);
            }
        }
        finally
        {
            Activity.Current = loopActivity;
        }

        await session.SaveChangesAsync(CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A tool-call commit of {Count} calls failed ({Error}); committing them one by one.")]
    private static partial void LogBatchFailed(ILogger logger, int count, string error);
}
