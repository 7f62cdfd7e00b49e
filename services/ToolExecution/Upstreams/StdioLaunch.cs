using System.Globalization;

namespace Platform.ToolExecution.Upstreams;

/// <summary>
/// The command line that starts a stdio upstream: bubblewrap (when present) around <c>prlimit</c> around the
/// configured command, so the limits apply to the server and everything it forks, inside the sandbox.
/// </summary>
public static class StdioLaunch
{
    public sealed record CommandLine(string Command, IReadOnlyList<string> Arguments, bool Sandboxed);

    public static CommandLine Build(UpstreamOptions upstream, string? bwrapPath, string prlimitPath)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        List<string> limited =
        [
            "--cpu=" + upstream.CpuSeconds.ToString(CultureInfo.InvariantCulture),
            "--as=" + upstream.AddressSpaceBytes.ToString(CultureInfo.InvariantCulture),
            "--fsize=" + upstream.FileSizeBytes.ToString(CultureInfo.InvariantCulture),
            "--nproc=" + upstream.MaxProcesses.ToString(CultureInfo.InvariantCulture),
            "--",
            upstream.Command!,
            .. upstream.Args,
        ];

        if (bwrapPath is null)
        {
            return new(prlimitPath, limited, Sandboxed: false);
        }

        var sandbox = new List<string>
        {
            // The whole system read-only, a private /tmp, and a PID namespace so killing bwrap ends every child.
            "--ro-bind", "/", "/",
            "--dev", "/dev",
            "--proc", "/proc",
            "--tmpfs", "/tmp",
            "--unshare-pid",
            "--unshare-ipc",
            "--die-with-parent",
            "--new-session",
        };

        // The private /tmp would hide a server installed under /tmp (a checkout there, say): show such folders again,
        // read-only, on top of it.
        foreach (var folder in FoldersUnderTmp([upstream.Command!, .. upstream.Args, upstream.WorkingDirectory]))
        {
            sandbox.AddRange(["--ro-bind", folder, folder]);
        }

        // After the read-only binds, so a writable folder under one of them is writable.
        foreach (var folder in upstream.WritableFolders)
        {
            sandbox.AddRange(["--bind", folder, folder]);
        }

        if (!upstream.AllowNetwork)
        {
            sandbox.Add("--unshare-net");
        }

        if (upstream.WorkingDirectory is { } cwd)
        {
            sandbox.AddRange(["--chdir", cwd]);
        }

        sandbox.Add("--");
        sandbox.Add(prlimitPath);
        sandbox.AddRange(limited);
        return new(bwrapPath, sandbox, Sandboxed: true);
    }

    private static IEnumerable<string> FoldersUnderTmp(IEnumerable<string?> paths) =>
        paths.OfType<string>()
            .Where(p => p.StartsWith("/tmp/", StringComparison.Ordinal) && !p.Contains("/../", StringComparison.Ordinal))
            .Select(p => "/tmp/" + p["/tmp/".Length..].Split('/')[0])
            .Where(Directory.Exists)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);

    /// <summary>Finds an executable on <c>PATH</c>, the way the shell would.</summary>
    public static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Join(dir, name))
            .FirstOrDefault(File.Exists);
}
