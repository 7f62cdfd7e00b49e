using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.Audit.Webhooks;

/// <summary>The <c>platform.audit.webhook.*</c> metrics.</summary>
public sealed class WebhookMetrics
{
    public const string MeterName = "Platform.Audit";
    private readonly Counter<long> _deliveries;

    public WebhookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _deliveries = meter.CreateCounter<long>("platform.audit.webhook.deliveries", "{attempt}", "Webhook delivery attempts by outcome (delivered, failed).");
    }

    public void Delivered() => _deliveries.Add(1, new TagList { { "outcome", "delivered" } });

    public void Failed() => _deliveries.Add(1, new TagList { { "outcome", "failed" } });
}
