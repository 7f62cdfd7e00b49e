using System.Globalization;

namespace Platform.Bench.Measurement;

/// <summary>
/// CPU time that named groups of processes spent during a phase, read from <c>/proc/&lt;pid&gt;/stat</c>. On this
/// machine the load generator, the services, PostgreSQL and Redis share two cores, so a closed loop runs until the cores
/// are full and throughput is roughly the cores divided by the CPU one call costs across all of them: CPU per call, by
/// process, is what explains a throughput ratio and says where a call's cost goes.
/// </summary>
internal static class ProcessCpu
{
    /// <summary>Linux reports stat times in USER_HZ clock ticks, 100 per second on every mainstream architecture.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>CPU seconds so far of every process in each group; a group's processes are listed again at each snapshot (PostgreSQL's backends come and go).</summary>
    public static Dictionary<string, Dictionary<int, double>> Snapshot(IReadOnlyDictionary<string, Func<IEnumerable<int>>> groups) =>
        groups.ToDictionary(g => g.Key, g => g.Value().Distinct().ToDictionary(pid => pid, Seconds));

    /// <summary>CPU seconds each group spent between two snapshots; a process that started in between counts from zero.</summary>
    public static Dictionary<string, double> Between(Dictionary<string, Dictionary<int, double>> before, Dictionary<string, Dictionary<int, double>> after) =>
        after.ToDictionary(g => g.Key, g => g.Value.Sum(p => p.Value - before.GetValueOrDefault(g.Key)?.GetValueOrDefault(p.Key) ?? 0));

    /// <summary>
    /// User plus system time of one process, plus that of its children it has already reaped: a PostgreSQL backend that
    /// exits during the phase is still counted through the postmaster. 0 when the process is gone.
    /// </summary>
    public static double Seconds(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return 0;
        }

        // The command name in parentheses may hold spaces; utime, stime, cutime, cstime are fields 12-15 after it.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Skip(11).Take(4).Sum(f => long.Parse(f, CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>CPU microseconds per completed call; NaN when no call completed.</summary>
    public static double MicrosPerCall(double seconds, LoadResult load) => load.Completed == 0 ? double.NaN : seconds * 1e6 / load.Completed;

    /// <summary>The processes whose parent is <paramref name="parent"/>.</summary>
    public static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            // The command name in parentheses may hold spaces; the parent pid is the second field after it.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 1 && int.TryParse(fields[1], CultureInfo.InvariantCulture, out var ppid) && ppid == parent)
            {
                yield return pid;
            }
        }
    }

    /// <summary>Children, grandchildren and so on: an upstream server runs under bubblewrap and prlimit, not as a direct child.</summary>
    public static IEnumerable<int> DescendantsOf(int ancestor) =>
        ChildrenOf(ancestor).ToList().SelectMany(child => DescendantsOf(child).Prepend(child));
}
