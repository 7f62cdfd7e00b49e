using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Wolverine;
using Integration = Platform.Contracts.Auth;

namespace Platform.Auth.Verification;

/// <summary>
/// Counts failed verifications per (client IP, reason) and publishes one <see cref="Integration.AuthenticationFailed"/>
/// per pair and window, so a flood of bad keys becomes a handful of audit records instead of a flood.
/// </summary>
public sealed class AuthenticationFailureAggregator(IServiceProvider services, IOptionsMonitor<AuthOptions> options, TimeProvider time) : BackgroundService
{
    /// <summary>Distinct (IP, reason) pairs kept per window; beyond it failures count under one overflow entry.</summary>
    public const int MaxPairs = 10_000;
    public const string OverflowIp = "overflow";

    private ConcurrentDictionary<(string Ip, string Reason), int> _window = new();
    private DateTimeOffset _windowStart = time.GetUtcNow();

    public void Failed(string? clientIp, string reason)
    {
        var window = _window;
        var ip = clientIp ?? "unknown";
        if (window.Count >= MaxPairs && !window.ContainsKey((ip, reason)))
        {
            ip = OverflowIp;
        }

        window.AddOrUpdate((ip, reason), 1, (_, n) => n + 1);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.CurrentValue.FailureAggregationWindow, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await FlushAsync();
        }
    }

    /// <summary>Publishes the current window's counts and starts a new window.</summary>
    public async Task FlushAsync()
    {
        var window = Interlocked.Exchange(ref _window, new ConcurrentDictionary<(string, string), int>());
        var start = _windowStart;
        var end = _windowStart = time.GetUtcNow();
        if (window.IsEmpty)
        {
            return;
        }

        await using var scope = services.CreateAsyncScope();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        foreach (var ((ip, reason), count) in window)
        {
            await bus.PublishAsync(new Integration.AuthenticationFailed(Guid.CreateVersion7(), ip, reason, count, start, end, null));
        }
    }
}
