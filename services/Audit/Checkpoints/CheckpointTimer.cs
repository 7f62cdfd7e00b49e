using Marten;
using JasperFx;
using Microsoft.Extensions.Options;
using Platform.Audit.Chain;

namespace Platform.Audit.Checkpoints;

/// <summary>
/// The "every T seconds" rule: when records arrived since the newest checkpoint, checkpoint the head. Runs on every
/// replica; a checkpoint is inserted by seq, so a second replica's attempt at the same seq is simply dropped.
/// </summary>
public sealed partial class CheckpointTimer(
    IDocumentStore store, CheckpointSigner signer, IOptions<CheckpointOptions> options, TimeProvider time, ILogger<CheckpointTimer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.Value.EverySeconds)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await CheckpointHeadAsync(stoppingToken).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // a failed tick (database restarting) must not stop later ones
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    LogCheckpointFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public async Task CheckpointHeadAsync(CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var head = await session.LoadAsync<ChainHead>(ChainHead.SingletonId, ct).ConfigureAwait(false);
        if (head is null || head.Seq == 0)
        {
            return;
        }

        var newest = await session.Query<AuditCheckpoint>().OrderByDescending(c => c.Seq).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (newest is not null && newest.Seq >= head.Seq)
        {
            return;
        }

        session.Insert(await signer.SignAsync(head.Seq, head.Hash, time.GetUtcNow(), ct).ConfigureAwait(false));
        try
        {
            await session.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (DocumentAlreadyExistsException)
        {
            // The writer or another replica checkpointed this seq meanwhile.
        }
    }

    [LoggerMessage(LogLevel.Warning, "Writing the periodic audit checkpoint failed; the next tick tries again")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
