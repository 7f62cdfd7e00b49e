using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.Audit.Webhooks;

/// <summary>
/// The webhook metrics: delivery attempts by outcome, and deliveries given up on (dead-lettered). Started as a hosted
/// service so the dead-letter counter is recorded at zero once the metrics pipeline listens: an alert on
/// <c>increase()</c> needs the series to exist before the first, rare, dead letter.
/// </summary>
public sealed class WebhookMetrics : IHostedService
{
    public const string MeterName = "Platform.Audit";
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _deadLetters;

    public WebhookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _deliveries = meter.CreateCounter<long>("platform.audit.webhook.deliveries", "{attempt}", "Webhook delivery attempts by outcome (delivered, failed).");
        _deadLetters = meter.CreateCounter<long>("platform.webhook.dead_letters", "{delivery}", "Webhook deliveries moved to the dead-letter queue after the last attempt failed.");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _deadLetters.Add(0);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Delivered() => _deliveries.Add(1, new TagList { { "outcome", "delivered" } });

    public void Failed() => _deliveries.Add(1, new TagList { { "outcome", "failed" } });

    public void DeadLettered() => _deadLetters.Add(1);
}
