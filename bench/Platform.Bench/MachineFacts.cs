using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Platform.Bench;

public static class MachineFacts
{
    public static IReadOnlyList<(string Name, string Value)> Collect(string repositoryRoot) =>
    [
        ("nproc", Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("memory", ProcLine("/proc/meminfo", "MemTotal:") ?? "unknown"),
        ("CPU model", ProcLine("/proc/cpuinfo", "model name") ?? "unknown"),
        ("OS", RuntimeInformation.OSDescription),
        (".NET runtime", RuntimeInformation.FrameworkDescription),
        (".NET SDK", Run("dotnet", "--version", repositoryRoot)),
        ("redis-server", Run("redis-server", "--version", repositoryRoot)),
        ("git commit", Run("git", "rev-parse HEAD", repositoryRoot) + (Run("git", "status --porcelain --untracked-files=no", repositoryRoot).Length > 0 ? " (with uncommitted changes)" : "")),
        ("load average at the end", File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown"),
    ];

    private static string? ProcLine(string path, string prefix)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    private static string Run(string file, string arguments, string directory)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = directory,
            })!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit(10_000);
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not found";
        }
    }
}
