using System.Globalization;

namespace Platform.Provisioning.Local;

internal static class BinaryLocator
{
    private const string PostgresInstallRoot = "/usr/lib/postgresql";
    private static readonly string[] ServerTools = ["pg_ctl", "postgres"];

    /// <summary>PATH, then <c>/usr/lib/postgresql/*/bin</c> (highest version first).</summary>
    public static IReadOnlyList<string> SearchPaths()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return [.. path, .. PostgresVersionDirectories()];
    }

    public static string? Find(string binary, IEnumerable<string> directories) =>
        directories.Select(directory => Path.Combine(directory, binary)).FirstOrDefault(IsExecutable);

    /// <summary>
    /// The directory holding initdb, pg_ctl and postgres together. A PATH entry is often a symlink farm
    /// (Debian's /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb), so links are followed.
    /// </summary>
    public static string? FindPostgresBin(IEnumerable<string> directories)
    {
        foreach (var initdb in directories.Select(d => Path.Combine(d, "initdb")).Where(IsExecutable))
        {
            var target = File.ResolveLinkTarget(initdb, returnFinalTarget: true)?.FullName ?? initdb;
            var bin = Path.GetDirectoryName(target)!;
            if (ServerTools.All(tool => IsExecutable(Path.Combine(bin, tool))))
            {
                return bin;
            }
        }

        return null;
    }

    private static IEnumerable<string> PostgresVersionDirectories()
    {
        if (!Directory.Exists(PostgresInstallRoot))
        {
            return [];
        }

        return Directory.GetDirectories(PostgresInstallRoot)
            .Select(dir => (dir, version: decimal.TryParse(Path.GetFileName(dir), NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : -1))
            .Where(x => x.version >= 0)
            .OrderByDescending(x => x.version)
            .Select(x => Path.Combine(x.dir, "bin"));
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
