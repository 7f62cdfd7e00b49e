using System.Diagnostics;
using System.Globalization;
using Platform.Bench.Measurement;
using Platform.Provisioning.Processes;
using Platform.Testing;

namespace Platform.Bench.Scenarios;

/// <summary>
/// The README's first command from a built tree: <c>dotnet run --project AppHost</c> until it prints "Platform is ready"
/// (every resource healthy), the resident memory of the AppHost and of the Aspire dashboard it starts, and how long
/// SIGTERM takes until no process it started is left. A first, untimed run makes the PostgreSQL cluster, as a person's
/// first run would; the timed runs reuse it like every later run.
/// </summary>
public static class StartupBench
{
    public const string Name = "startup";
    private const string Scenario = "AppHost startup (`dotnet run --project AppHost`)";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    public static async Task RunAsync(Results results, BenchSettings settings)
    {
        var data = Directory.CreateTempSubdirectory("apphost-startup-");
        // PostgreSQL runs as the postgres user, which must reach its data folder.
        File.SetUnixFileMode(data.FullName, File.GetUnixFileMode(data.FullName) | UnixFileMode.OtherExecute);
        try
        {
            for (var run = 0; run <= settings.Runs; run++)
            {
                Console.WriteLine(run == 0 ? "AppHost startup, first run (makes the cluster)" : $"AppHost startup, run {run}/{settings.Runs}");
                var (ready, appHostMib, dashboardMib, stopped) = await StartAndStopAsync(settings, data.FullName);
                if (run > 0)
                {
                    results.AddSingle(Scenario, "start to every resource healthy", "s", ready.TotalSeconds);
                    results.AddSingle(Scenario, "AppHost resident memory when ready", "MiB", appHostMib);
                    results.AddSingle(Scenario, "Aspire dashboard resident memory when ready", "MiB", dashboardMib);
                    results.AddSingle(Scenario, "SIGTERM to no process left", "s", stopped.TotalSeconds);
                }
            }
        }
        finally
        {
            data.Delete(recursive: true);
        }

        results.Notes[Scenario] = "From a built tree (Release, as the bench builds it), local PostgreSQL and redis-server as Aspire "
            + "resources, the dashboard included. \"Ready\" is the AppHost's own line, printed once every resource's health check passes.";
        var startup = Stats.Median(results.Singles.Single(s => s.Scenario == Scenario && s.Name == "start to every resource healthy").Values);
        var memory = Stats.Median(results.Singles.Single(s => s.Scenario == Scenario && s.Name == "AppHost resident memory when ready").Values);
        results.Targets.Add(new("17", "`dotnet run --project AppHost` from a built tree to every resource healthy ≤ 30 s; report the AppHost's memory",
            string.Create(CultureInfo.InvariantCulture, $"{startup:F1} s; AppHost {memory:F0} MiB"), startup <= 30));
    }

    private static async Task<(TimeSpan Ready, double AppHostMib, double DashboardMib, TimeSpan Stopped)> StartAndStopAsync(
        BenchSettings settings, string dataDirectory)
    {
        var clock = Stopwatch.StartNew();
        using var launcher = Process.Start(new ProcessStartInfo("dotnet",
            ["run", "--no-build", "-c", "Release", "--project", "AppHost", "--", $"--AppHost:DataDirectory={dataDirectory}"])
        {
            WorkingDirectory = settings.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var isReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        launcher.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text)
            {
                output.Enqueue(text);
                if (text.Contains("Platform is ready", StringComparison.Ordinal))
                {
                    isReady.TrySetResult();
                }
            }
        };
        launcher.ErrorDataReceived += (_, line) => output.Enqueue(line.Data ?? "");
        launcher.BeginOutputReadLine();
        launcher.BeginErrorReadLine();

        var finished = await Task.WhenAny(isReady.Task, launcher.WaitForExitAsync(), Task.Delay(Patience));
        if (finished != isReady.Task)
        {
            PosixProcess.Signal(launcher.Id, PosixProcess.SigTerm);
            throw new InvalidOperationException("The AppHost did not report ready:\n" + string.Join('\n', output.TakeLast(30)));
        }

        var ready = clock.Elapsed;
        var appHost = ProcessTable.Subtree(launcher.Id).First(p => p.CommandLine.Contains("Platform.AppHost", StringComparison.Ordinal) && p.Pid != launcher.Id);
        // DCP detaches from the AppHost's process tree and watches it by PID; what it starts hangs below it.
        var started = ProcessTable.Snapshot()
            .Where(p => p.CommandLine.Contains($"--monitor {appHost.Pid}", StringComparison.Ordinal))
            .SelectMany(dcp => ProcessTable.Subtree(dcp.Pid))
            .Concat(ProcessTable.Subtree(launcher.Id))
            .DistinctBy(p => p.Pid)
            .ToList();
        var dashboard = started.FirstOrDefault(p => p.CommandLine.Contains("Aspire.Dashboard", StringComparison.Ordinal));
        var appHostMib = PlatformBench.VmRssKib(appHost.Pid) / 1024.0;
        var dashboardMib = dashboard is null ? double.NaN : PlatformBench.VmRssKib(dashboard.Pid) / 1024.0;

        clock.Restart();
        PosixProcess.Signal(appHost.Pid, PosixProcess.SigTerm);
        while (started.Any(p => p.IsAlive))
        {
            if (clock.Elapsed > Patience)
            {
                throw new InvalidOperationException("Still running after SIGTERM: " + string.Join("; ", started.Where(p => p.IsAlive)));
            }

            await Task.Delay(100);
        }

        return (ready, appHostMib, dashboardMib, clock.Elapsed);
    }
}
