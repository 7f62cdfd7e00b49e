using System.Diagnostics;
using System.Globalization;

namespace Platform.Provisioning.Processes;

/// <summary>
/// A tiny detached shell loop that runs a cleanup command once this process is gone, so a server we started
/// does not outlive a test host or AppHost that was SIGKILLed. Normal shutdown kills the watchdog first.
/// </summary>
public sealed class OrphanWatchdog : IDisposable
{
    private readonly Process _shell;

    private OrphanWatchdog(Process shell) => _shell = shell;

    public static OrphanWatchdog Start(string cleanupCommand)
    {
        var ownerPid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var script = $"exec </dev/null >/dev/null 2>&1; while kill -0 {ownerPid}; do sleep 1; done; {cleanupCommand}";
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        return new OrphanWatchdog(Process.Start(info)!);
    }

    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public void Dispose()
    {
        try
        {
            _shell.Kill();
            _shell.WaitForExit(2000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _shell.Dispose();
    }
}
