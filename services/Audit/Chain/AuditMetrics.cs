using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.Audit.Chain;

/// <summary>The chain's own metrics: how far appends trail the events, and failed verifications.</summary>
public sealed class AuditMetrics
{
    private readonly Histogram<double> _lag;
    private readonly Counter<long> _verifyFailures;

    public AuditMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Webhooks.WebhookMetrics.MeterName);
        _lag = meter.CreateHistogram<double>("platform.audit.lag", "s", "Seconds from an event's time to its append to the chain.");
        _verifyFailures = meter.CreateCounter<long>("platform.audit.verify.failures", description: "Chain verifications that found a broken record.");
    }

    public void Appended(string action, TimeSpan lag) => _lag.Record(Math.Max(0, lag.TotalSeconds), new TagList { { "action", action } });

    public void VerifyFailed() => _verifyFailures.Add(1);
}
