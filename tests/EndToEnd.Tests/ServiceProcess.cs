using System.Diagnostics;
using Platform.Provisioning.Processes;

namespace Platform.EndToEnd.Tests;

/// <summary>A service process a test started, with the command line, directory and environment of the original.</summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _recent = new();

    private ServiceProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public int Id => _process.Id;

    public Uri Url { get; }

    public bool HasExited => _process.HasExited;

    public sealed record Description(IReadOnlyList<string> CommandLine, string WorkingDirectory, IReadOnlyDictionary<string, string> Environment);

    /// <summary>Read from /proc before the original is killed, so the restart is the same program in the same setting.</summary>
    public static Description Describe(int pid)
    {
        static string[] Fields(string path) => File.ReadAllText(path).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var environment = Fields($"/proc/{pid}/environ").Select(e => e.Split('=', 2)).Where(e => e.Length == 2).ToDictionary(e => e[0], e => e[1]);
        return new Description(Fields($"/proc/{pid}/cmdline"), new DirectoryInfo($"/proc/{pid}/cwd").ResolveLinkTarget(true)!.FullName, environment);
    }

    public static ServiceProcess Start(Description description)
    {
        var info = new ProcessStartInfo(description.CommandLine[0])
        {
            WorkingDirectory = description.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in description.CommandLine.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Clear();
        foreach (var (name, value) in description.Environment)
        {
            info.Environment[name] = value;
        }

        var process = new ServiceProcess(new Process { StartInfo = info }, new Uri(description.Environment["ASPNETCORE_URLS"]));
        process._process.OutputDataReceived += (_, e) => process.Keep(e.Data);
        process._process.ErrorDataReceived += (_, e) => process.Keep(e.Data);
        process._process.Start();
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        return process;
    }

    public static async Task KillAsync(int pid)
    {
        Assert.True(PosixProcess.Signal(pid, PosixProcess.SigKill), $"process {pid} was already gone");
        var deadline = Stopwatch.StartNew();
        while (PosixProcess.IsAlive(pid) && File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"process {pid} survived SIGKILL");
            await Task.Delay(20);
        }
    }

    public string RecentOutput()
    {
        lock (_recent)
        {
            return string.Join('\n', _recent);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_recent)
        {
            _recent.Enqueue(line);
            if (_recent.Count > 40)
            {
                _recent.Dequeue();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await PosixProcess.StopAsync(_process, TimeSpan.FromSeconds(10));
        _process.Dispose();
    }
}
