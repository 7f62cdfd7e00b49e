using System.Globalization;

namespace Platform.Testing;

/// <summary>
/// One process as <c>/proc</c> shows it. The start time (clock ticks after boot) tells the process apart from a later
/// one that reuses its PID.
/// </summary>
public sealed record ProcessEntry(int Pid, int ParentPid, long StartTime, char State, string CommandLine)
{
    /// <summary>True while this very process runs: a zombie has exited, a reused PID is another process.</summary>
    public bool IsAlive => ProcessTable.Read(Pid) is { } now && now.StartTime == StartTime && now.State is not ('Z' or 'X');

    public override string ToString() => $"{Pid} ({State}) {CommandLine}";
}

/// <summary>The machine's processes, read from <c>/proc</c>.</summary>
public static class ProcessTable
{
    public static IReadOnlyList<ProcessEntry> Snapshot() =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Select(name => int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? Read(pid) : null)
            .OfType<ProcessEntry>()];

    public static ProcessEntry? Read(int pid)
    {
        try
        {
            // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields count from the last ')'.
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var commandLine = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Replace('\0', ' ').Trim();
            return new ProcessEntry(
                pid,
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                long.Parse(fields[19], CultureInfo.InvariantCulture),
                fields[0][0],
                commandLine.Length > 0 ? commandLine : stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary><paramref name="pid"/> and every process below it.</summary>
    public static IReadOnlyList<ProcessEntry> Subtree(int pid)
    {
        var all = Snapshot();
        var children = all.ToLookup(p => p.ParentPid);
        var tree = new List<ProcessEntry>();
        var pending = new Queue<int>([pid]);
        while (pending.TryDequeue(out var next))
        {
            if (all.FirstOrDefault(p => p.Pid == next) is { } process)
            {
                tree.Add(process);
            }

            foreach (var child in children[next])
            {
                pending.Enqueue(child.Pid);
            }
        }

        return tree;
    }

    /// <summary>The ancestors of <paramref name="pid"/>, nearest first, up to (not including) <paramref name="stopAt"/> or init.</summary>
    public static IReadOnlyList<ProcessEntry> Ancestors(int pid, int stopAt)
    {
        var ancestors = new List<ProcessEntry>();
        for (var parent = Read(pid)?.ParentPid; parent is > 1 && parent != stopAt && Read(parent.Value) is { } process; parent = process.ParentPid)
        {
            ancestors.Add(process);
        }

        return ancestors;
    }
}
