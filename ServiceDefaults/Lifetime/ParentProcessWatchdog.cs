using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.ServiceDefaults.Lifetime;

/// <summary>
/// Stops the service when the AppHost that started it disappears. .NET cannot set PR_SET_PDEATHSIG between
/// fork and exec, so a SIGKILLed AppHost would otherwise leave its children running; polling the parent's
/// PID is the portable way to honour "no orphan processes". Inactive unless APPHOST_PARENT_PID is set.
/// </summary>
internal sealed partial class ParentProcessWatchdog(
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<ParentProcessWatchdog> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!int.TryParse(configuration["APPHOST_PARENT_PID"], NumberStyles.None, CultureInfo.InvariantCulture, out var parentPid))
        {
            return;
        }

        using var timer = new PeriodicTimer(PollInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (!IsAlive(parentPid))
            {
                LogParentGone(logger, parentPid);
                lifetime.StopApplication();
                return;
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "AppHost process {ParentPid} is gone; stopping")]
    private static partial void LogParentGone(ILogger logger, int parentPid);
}
