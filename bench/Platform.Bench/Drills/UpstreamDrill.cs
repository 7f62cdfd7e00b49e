using System.Globalization;

namespace Platform.Bench.Drills;

/// <summary>Drill 6: a stdio upstream (eng/node/test-servers/flaky.mjs) that crashes, hangs and floods, next to steady echo load.</summary>
public static class UpstreamDrill
{
    private const int Callers = 8;
    private const string Tenant = "drill-upstream";
    private const string NoArguments = "{}";

    public static async Task<DrillResult> RunAsync(DrillContext platform)
    {
        var flaky = DrillContext.FlakyUpstream;
        var result = new DrillResult("6", "A stdio upstream that crashes, hangs or floods output",
            $"ToolExecution runs `node eng/node/test-servers/flaky.mjs` as the stdio upstream `{flaky}` (timeout 2 s, output cap "
            + $"64 KiB, restart backoff up to 1 s; under bubblewrap where installed). While {Callers} callers keep calling the "
            + $"built-in `echo`, one client calls `{flaky}.crash` (the process exits mid-call), then `{flaky}.ok` until it answers "
            + $"again; `{flaky}.hang` (never answers) with `{flaky}.ok` called while it hangs; and `{flaky}.flood` (a 4 MiB answer "
            + "and 1 MiB of stderr). Afterwards /proc is searched for defunct (zombie) descendants of ToolExecution and for "
            + "more than one live upstream process.");
        result.Load = $"{Callers} callers on `echo`, plus one client on the upstream's tools";
        await platform.CreateTenantAsync(Tenant).ConfigureAwait(false);
        var (key, _) = await platform.IssueKeyAsync(Tenant).ConfigureAwait(false);
        var echo = platform.Client(DrillContext.ToolExecution, key, "up");
        var upstream = platform.Client(DrillContext.ToolExecution, key, "upx");
        var started = platform.Clock.Elapsed.TotalSeconds;
        await using var load = SteadyLoad.Start(Callers, _ => echo);
        await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        var calls = new List<CallOutcome>();
        async Task<CallOutcome> Call(string tool)
        {
            var outcome = await upstream.CallAsync(-1, $"{flaky}.{tool}", NoArguments).ConfigureAwait(false);
            calls.Add(outcome);
            return outcome;
        }

        async Task<double?> UntilOkAsync(double since)
        {
            for (var attempt = 0; attempt < 150; attempt++)
            {
                if ((await Call("ok").ConfigureAwait(false)).Kind == CallKind.Success)
                {
                    return platform.Clock.Elapsed.TotalSeconds - since;
                }

                await Task.Delay(100).ConfigureAwait(false);
            }

            return null;
        }

        var first = await UntilOkAsync(platform.Clock.Elapsed.TotalSeconds).ConfigureAwait(false);
        var before = UpstreamProcesses(platform);

        var crash = await Call("crash").ConfigureAwait(false);
        var restarted = await UntilOkAsync(crash.End).ConfigureAwait(false);
        var afterCrash = UpstreamProcesses(platform);

        var hangTask = Call("hang");
        await Task.Delay(300).ConfigureAwait(false);
        var okDuringHang = await Call("ok").ConfigureAwait(false);
        var hang = await hangTask.ConfigureAwait(false);

        var flood = await Call("flood").ConfigureAwait(false);
        var afterFlood = await UntilOkAsync(flood.End).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        var outcomes = await load.StopAsync().ConfigureAwait(false);
        var zombies = ProcessTree.Descendants(platform.ProcessId(DrillContext.ToolExecution)).Where(p => p.State == 'Z').ToList();
        var live = UpstreamProcesses(platform);

        result.Count(outcomes, platform.Clock.Elapsed.TotalSeconds - started);
        var echoDuring = outcomes.Where(o => o.Start >= crash.Start && o.Start <= flood.End).ToList();
        string Took(CallOutcome o) => string.Create(CultureInfo.InvariantCulture, $"{o.Label} after {(o.End - o.Start) * 1000:F0} ms");
        result.Recovery = string.Create(CultureInfo.InvariantCulture,
            $"crash to `{flaky}.ok` answering again: {(restarted is { } r ? $"{r:F1} s" : "never")}; after the flood: {(afterFlood is { } f ? $"{f:F1} s" : "never")}");
        result.Checks.Add(new("upstream answers before the faults", first is null ? "no" : "yes", first is not null));
        result.Checks.Add(new($"`{flaky}.crash`: the client gets an answer (a tool error), not a hang", Took(crash) + FaultDrills.Detail([crash]), crash.Kind == CallKind.ToolError && crash.End - crash.Start < 5));
        result.Checks.Add(new("the crashed upstream is restarted", restarted is null ? "no" : string.Create(CultureInfo.InvariantCulture, $"answers again {restarted:F1} s after the crash; upstream pids before {string.Join(",", before)}, after {string.Join(",", afterCrash)}"), restarted is not null));
        result.Checks.Add(new($"`{flaky}.hang` is cut off at the upstream's 2 s timeout", Took(hang) + FaultDrills.Detail([hang]), hang.Kind == CallKind.ToolError && hang.End - hang.Start < 5));
        result.Checks.Add(new($"`{flaky}.ok` while `hang` is pending", Took(okDuringHang), okDuringHang.Kind == CallKind.Success));
        result.Checks.Add(new($"`{flaky}.flood` (4 MiB answer) is refused by the 64 KiB output cap", Took(flood) + FaultDrills.Detail([flood]), flood.Kind == CallKind.ToolError));
        result.Checks.Add(new("`echo` keeps working throughout", FaultDrills.Kinds(echoDuring), echoDuring.Count > 0 && echoDuring.All(o => o.Kind == CallKind.Success)));
        result.Checks.Add(new("no zombie (defunct) descendant of ToolExecution; one live upstream process tree", $"{zombies.Count} zombies{(zombies.Count > 0 ? ": " + string.Join(", ", zombies.Select(z => $"{z.Pid} {z.Command}")) : "")}; upstream node processes now: {live.Count}", zombies.Count == 0 && live.Count <= 1));
        await result.ReconcileAsync(platform, Tenant, outcomes).ConfigureAwait(false);
        return result;
    }

    /// <summary>The node processes of the first ToolExecution's flaky upstream (its descendants carrying the drill's marker).</summary>
    private static List<int> UpstreamProcesses(DrillContext platform) =>
        [.. ProcessTree.Descendants(platform.ProcessId(DrillContext.ToolExecution))
            .Where(p => p.State != 'Z' && p.Command == "node" && p.CommandLine.Contains(platform.UpstreamMarker, StringComparison.Ordinal))
            .Select(p => p.Pid)];
}

public sealed record ProcessInfo(int Pid, int ParentPid, char State, string Command, string CommandLine);

/// <summary>Reads /proc: which processes descend from a pid, and in which state.</summary>
public static class ProcessTree
{
    public static IReadOnlyList<ProcessInfo> Descendants(int root)
    {
        var all = All().ToList();
        var children = all.ToLookup(p => p.ParentPid);
        var found = new List<ProcessInfo>();
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var parent))
        {
            foreach (var child in children[parent])
            {
                found.Add(child);
                pending.Enqueue(child.Pid);
            }
        }

        return found;
    }

    private static IEnumerable<ProcessInfo> All()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat, commandLine;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
                commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // "pid (comm) state ppid ...": the command may hold spaces and parentheses, so split at the last ')'.
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            if (fields.Length > 1 && int.TryParse(fields[1], CultureInfo.InvariantCulture, out var parent))
            {
                yield return new ProcessInfo(pid, parent, fields[0][0], stat[(open + 1)..close], commandLine);
            }
        }
    }
}
