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
    /// Audit appends to one hash chain, so its queue is consumed by one listener at a time across all replicas,
    /// in order.
    /// </summary>
    public static void ConsumeAuditQueue(this WolverineOptions options) =>
        options.ListenToPostgresqlQueue(Audit)
            // The default idle poll is 5 s; audit lag is measured from event time, so poll faster.
            .PollingInterval(TimeSpan.FromMilliseconds(200))
            .ListenWithStrictOrdering();
}
