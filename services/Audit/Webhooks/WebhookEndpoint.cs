namespace Platform.Audit.Webhooks;

/// <summary>
/// A tenant's registered receiver. The secret is kept because every delivery is signed with it; it is returned only
/// once, when the endpoint is created.
/// </summary>
public sealed class WebhookEndpoint
{
    public Guid Id { get; set; }
    public string TenantId { get; set; } = "";
    public string Url { get; set; } = "";
    public IReadOnlyList<string> Events { get; set; } = [];
    public string Secret { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>An event type matches exactly, or by a prefix ending in <c>*</c> (<c>key.*</c>), or <c>*</c> for all.</summary>
    public bool Wants(string action) =>
        Events.Any(e => e == "*" || e == action || (e.EndsWith('*') && action.StartsWith(e[..^1], StringComparison.Ordinal)));
}

public sealed class WebhookOptions
{
    public const string Section = "Audit:Webhooks";

    /// <summary>Delivery attempts before the message is dead-lettered.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The first retry delay; each further one doubles it.</summary>
    public int InitialRetryDelayMs { get; set; } = 1000;

    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Test-only: lets a receiver on loopback through the URL guard. Never set in a deployment.</summary>
    public bool AllowLoopbackForTests { get; set; }

    public TimeSpan[] RetryDelays() =>
        [.. Enumerable.Range(0, Math.Max(0, MaxAttempts - 1)).Select(i => TimeSpan.FromMilliseconds(InitialRetryDelayMs * Math.Pow(2, i)))];
}
