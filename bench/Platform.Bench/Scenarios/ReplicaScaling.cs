using Platform.Bench.Mcp;
using Platform.Bench.Measurement;

namespace Platform.Bench.Scenarios;

/// <summary>
/// Issue 8, scenario 6: closed-loop <c>tools/call echo</c> with two ToolExecution replicas against one, in the same
/// run. The second replica is another process on its own port sharing PostgreSQL, Redis, Auth and Audit: an extra
/// project resource from ToolExecution's project, declared when the AppHost is built (as the drills' replica) and
/// started only for this scenario; the generator alternates calls between the two with the same number of callers as
/// the one-replica baseline.
/// </summary>
internal static class ReplicaScaling
{
    public const string Name = "replicas";
    public const string Scenario = "Scale: 1 vs 2 ToolExecution replicas";

    /// <summary>The second ToolExecution's resource name.</summary>
    public const string Replica = "tool-execution-2";
    private const int Concurrency = 16;
    private const string Throughput = $"closed-loop throughput, 16 callers";
    private const string P99 = "closed-loop p99, 16 callers";

    public static async Task MeasureAsync(Results results, BenchSettings settings, EchoClient first, EchoClient second, bool cold)
    {
        long next = 0;
        ValueTask<bool> Split() => Interlocked.Increment(ref next) % 2 == 0 ? first.CallAsync() : second.CallAsync();

        // The second replica has served nothing yet: JIT it and fill its connection pools before measuring.
        await Load.ClosedLoopAsync(Concurrency, TimeSpan.FromSeconds(cold ? 5 : 2), 20_000, Split).ConfigureAwait(false);
        var one = await Load.ClosedLoopAsync(Concurrency, settings.LoadPhase, 1_000_000, first.CallAsync).ConfigureAwait(false);
        var two = await Load.ClosedLoopAsync(Concurrency, settings.LoadPhase, 1_000_000, Split).ConfigureAwait(false);

        const string baseline = "1 replica, the same 16 callers, same run";
        results.Comparison(Scenario, $"{Throughput}, 2 replicas (calls alternate)", "calls/s", baseline, Better.Higher)
            .Add(two.PerSecond, one.PerSecond);
        results.Comparison(Scenario, $"{P99}, 2 replicas", "ms", baseline, Better.Lower)
            .Add(two.Latency.PercentileMs(99), one.Latency.PercentileMs(99));
        results.AddSingle(Scenario, "failed calls, 1 replica", "calls", one.Errors);
        results.AddSingle(Scenario, "failed calls, 2 replicas", "calls", two.Errors);
        results.Notes[Scenario] =
            "Ours: `tools/call echo` with an API key through two ToolExecution replicas — the bench's platform plus a second "
            + "ToolExecution process on its own port, sharing PostgreSQL, Redis, Auth and Audit (a second project resource "
            + "from ToolExecution's project in the AppHost, as the failure drills add theirs, started after the other platform "
            + "scenarios) — with the load generator alternating calls "
            + $"between them, {Concurrency} callers, closed loop. Baseline: the same {Concurrency} callers against the first "
            + "replica alone, measured right before in the same run, with the second replica running idle. Both replicas, "
            + "PostgreSQL, Redis, Audit and the load generator share the same 2 cores, so a second replica competes for the "
            + "CPU the first one uses: this shows that replicas share the load correctly (no session affinity, every call "
            + "recorded once), not how throughput scales on separate machines.";
    }

    public static void Judge(Results results)
    {
        if (results.Find(Scenario, $"{Throughput}, 2 replicas (calls alternate)") is { } throughput
            && results.Find(Scenario, $"{P99}, 2 replicas") is { } p99)
        {
            results.Targets.Add(new("8", "1 vs 2 ToolExecution replicas: closed-loop echo throughput and p99",
                $"2 replicas {Stats.Median(throughput.Subject):N0} calls/s, p99 {Stats.Median(p99.Subject):F1} ms; "
                + $"1 replica {Stats.Median(throughput.Baseline):N0} calls/s, p99 {Stats.Median(p99.Baseline):F1} ms; "
                + $"{Stats.Median(throughput.Ratios):F2}× (both on the same 2 cores, so a second replica competes for the same CPU)",
                null));
        }
    }
}
