using System.Diagnostics;
using Platform.AppHost.Model;
using Platform.AppHost.Terminal;
using Platform.Provisioning.Processes;

namespace Platform.AppHost.Orchestration;

/// <summary>One service as a child process: its log lines forwarded with a prefix, its last lines kept to explain a crash.</summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private const int LinesKept = 40;
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly Queue<string> _recent = new();
    private OrphanWatchdog? _watchdog;

    private ServiceProcess(ServiceResource resource, Uri url, Process process, IReadOnlyDictionary<string, string> environment)
    {
        Resource = resource;
        Url = url;
        _process = process;
        Environment = environment;
    }

    /// <summary>What it was started with, so a restart gets the same.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>Ended by <see cref="Kill"/> on purpose (a failure drill), not by a crash.</summary>
    public bool Killed { get; private set; }

    public ServiceResource Resource { get; }

    public Uri Url { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public Task Exited => _process.WaitForExitAsync();

    public static ServiceProcess Start(ServiceResource resource, Uri url, string dll, string workingDirectory, IReadOnlyDictionary<string, string> environment, ConsoleView view)
    {
        var info = new ProcessStartInfo(DotnetHost.Path)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var service = new ServiceProcess(resource, url, process, environment);
        process.OutputDataReceived += (_, e) => service.OnLine(e.Data, view);
        process.ErrorDataReceived += (_, e) => service.OnLine(e.Data, view);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Services also watch APPHOST_PARENT_PID themselves; this covers a service that hangs or predates that.
        var pid = process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        service._watchdog = OrphanWatchdog.Start($"kill -TERM {pid}; for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 {pid} || exit 0; sleep 1; done; kill -KILL {pid}");
        return service;
    }

    public string RecentOutput()
    {
        lock (_recent)
        {
            return string.Join('\n', _recent);
        }
    }

    public void Kill()
    {
        Killed = true;
        PosixProcess.Signal(_process.Id, PosixProcess.SigKill);
    }

    /// <summary>SIGTERM so the service drains and flushes telemetry; SIGKILL if it takes longer than the grace period.</summary>
    public Task StopAsync() => PosixProcess.StopAsync(_process, StopGrace);

    public async ValueTask DisposeAsync()
    {
        _watchdog?.Dispose();
        await StopAsync();
        _process.Dispose();
    }

    private void OnLine(string? line, ConsoleView view)
    {
        if (line is null)
        {
            return;
        }

        lock (_recent)
        {
            _recent.Enqueue(line);
            if (_recent.Count > LinesKept)
            {
                _recent.Dequeue();
            }
        }

        view.ServiceLine(Resource.Name, line);
    }
}
