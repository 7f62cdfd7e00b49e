using Wolverine;
using Wolverine.Postgresql;

namespace Platform.ServiceDefaults.Storage;

/// <summary>
/// The message topology in one place. Queues live in PostgreSQL (Wolverine's PostgreSQL transport), so no extra
/// broker has to run; swapping in a broker means changing only this class.
/// </summary>
public static class PlatformQueues
{
    /// <summary>Every integration event that belongs in the audit trail goes here.</summary>
    public const string Audit = "audit";

    public static void PublishIntegrationEventsToAudit(this WolverineOptions options)
    {
        options.Publish(rule =>
        {
            rule.MessagesFromNamespace("Platform.Contracts.Auth");
            rule.MessagesFromNamespace("Platform.Contracts.ToolCalls");
            rule.MessagesFromNamespace("Platform.Contracts.RateLimits");
            rule.ToPostgresqlQueue(Audit);
        });
    }

    /// <summary>
    /// Audit appends to one hash chain, so its queue is consumed on one node at a time across all replicas. On that
    /// node many handlers run at once: each hands its entry to the chain's single writer and waits for the commit, so
    /// the writer can append all of them in one transaction (services/Audit/Chain/ChainWriter.cs).
    /// </summary>
    public static void ConsumeAuditQueue(this WolverineOptions options)
    {
        // Wolverine keeps handled inbox envelopes (5 minutes by default) to drop a redelivered duplicate, and every
        // poll of the PostgreSQL queue scans them all to clear rows it already moved: at ToolExecution's peak that
        // scan was most of PostgreSQL's CPU per call (docs/operations.md, "PostgreSQL settings"). Audit needs no such window,
        // because the chain refuses an event id it already holds, so keep them only briefly.
        options.Durability.KeepAfterMessageHandling = HandledEnvelopeRetention;
        options.Durability.HandledMessageCleanupPollingTime = HandledEnvelopeRetention;
        options.ListenToPostgresqlQueue(Audit)
            // The default idle poll is 5 s; audit lag is measured from event time, so poll faster.
            .PollingInterval(TimeSpan.FromMilliseconds(200))
            // The listener waits one polling interval after every non-empty poll, so the batch per poll caps the rate:
            // the default 20 allowed only 100 events/s.
            .MaximumMessagesToReceive(AuditReceiveBatch)
            .ExclusiveNodeWithParallelism(AuditParallelism);
    }

    /// <summary>How long Audit keeps a handled inbox envelope; duplicates beyond it are dropped by the event id.</summary>
    public static readonly TimeSpan HandledEnvelopeRetention = TimeSpan.FromSeconds(10);

    /// <summary>Events taken from the audit queue per poll: at most this many per polling interval (5,000/s).</summary>
    public const int AuditReceiveBatch = 1000;

    /// <summary>Audit handlers waiting on one commit at a time, so the largest group commit.</summary>
    public const int AuditParallelism = 500;
}
