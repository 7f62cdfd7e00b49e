using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Platform.Bench.Measurement;
using Platform.Bench.Mcp;
using Platform.Provisioning;

namespace Platform.Bench.Scenarios;

/// <summary>
/// Issue 4's proxy target and issue 8's scenario 4: <c>@modelcontextprotocol/server-everything</c> over stdio behind
/// the whole platform (key, rate limits, schema validation, event-sourced call, audit) against the same server behind
/// <c>mcp-proxy</c> (npm), which only relays. Both are driven with the same per-request (2026-07-28) echo call, so
/// neither needs a session, and each keeps one long-lived stdio child.
/// </summary>
internal static class ProxyComparison
{
    public const string Scenario = "Proxying server-everything over stdio";
    public const string UpstreamName = "everything";
    private const int Concurrency = 16;

    private static string ServerScript(string root) =>
        Path.Join(root, "eng", "node", "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");

    private static string ProxyScript(string root) =>
        Path.Join(root, "bench", "node", "node_modules", "mcp-proxy", "dist", "bin", "mcp-proxy.mjs");

    /// <summary>The upstream as ToolExecution's configuration, with as many calls in flight as the load has callers.</summary>
    public static IEnumerable<KeyValuePair<string, string>> PlatformUpstream(string root) =>
    [
        new($"Upstreams__{UpstreamName}__Command", "node"),
        new($"Upstreams__{UpstreamName}__Args__0", ServerScript(root)),
        new($"Upstreams__{UpstreamName}__Args__1", "stdio"),
        new($"Upstreams__{UpstreamName}__MaxConcurrency", Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    /// <summary><c>npm ci</c> in the two package folders when their packages are missing (both lock files are committed).</summary>
    public static async Task EnsureInstalledAsync(string root)
    {
        await NodePackages.EnsureInstalledAsync(Path.Join(root, "eng", "node"), ServerScript(root)).ConfigureAwait(false);
        await NodePackages.EnsureInstalledAsync(Path.Join(root, "bench", "node"), ProxyScript(root)).ConfigureAwait(false);
    }

    private const string UpstreamProcesses = "server-everything (node; under the platform also bwrap and prlimit)";

    public static async Task MeasureAsync(Results results, BenchSettings settings, HttpClient http, Uri platformMcp, string key,
        int toolExecutionPid, IReadOnlyDictionary<string, Func<IEnumerable<int>>> platformProcesses)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("node",
            [ProxyScript(settings.RepositoryRoot), "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--server", "stream", "--no-eventStore", "--", "node", ServerScript(settings.RepositoryRoot), "stdio"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var proxy = Process.Start(start) ?? throw new InvalidOperationException("mcp-proxy did not start");
        proxy.OutputDataReceived += (_, _) => { };
        proxy.ErrorDataReceived += (_, _) => { };
        proxy.BeginOutputReadLine();
        proxy.BeginErrorReadLine();
        // Both sides warm up this long (BenchSettings.WarmUp, 20 s) before each measured phase. The platform's proxy path
        // (MCP client, stdio relay, the upstream's schema) is new code to its JIT at this point; after 2 s its tiered
        // compilation still took about a fifth of ToolExecution's CPU (a perf profile), which measured warm-up, not
        // proxying. The echo scenario waits as long for the same reason.
        var warmUp = settings.WarmUp;
        try
        {
            var viaProxy = new EchoClient(http, new Uri($"http://127.0.0.1:{port}/mcp"), bearer: null, perRequestProtocol: true);
            var viaPlatform = new EchoClient(http, platformMcp, key, $"{UpstreamName}.echo", perRequestProtocol: true);
            await WaitUntilAnsweringAsync(viaProxy, "mcp-proxy").ConfigureAwait(false);
            await WaitUntilAnsweringAsync(viaPlatform, "the platform's everything upstream").ConfigureAwait(false);

            // CPU by process, as in the echo scenario: mcp-proxy is one node event loop, so it stops at one core, while
            // the platform's processes share both; the rows show which bound each side hit.
            var proxyProcesses = new Dictionary<string, Func<IEnumerable<int>>>
            {
                ["mcp-proxy"] = () => [proxy.Id],
                [UpstreamProcesses] = () => ProcessCpu.DescendantsOf(proxy.Id),
                [PlatformBench.LoadGenerator] = () => [Environment.ProcessId],
            };
            var ourProcesses = new Dictionary<string, Func<IEnumerable<int>>>(platformProcesses)
            {
                [UpstreamProcesses] = () => ProcessCpu.DescendantsOf(toolExecutionPid),
            };

            await Load.ClosedLoopAsync(Concurrency, warmUp, 20_000, viaProxy.CallAsync).ConfigureAwait(false);
            var proxyCpu = ProcessCpu.Snapshot(proxyProcesses);
            var proxied = await Load.ClosedLoopAsync(Concurrency, settings.LoadPhase, 1_000_000, viaProxy.CallAsync).ConfigureAwait(false);
            var proxiedCpu = ProcessCpu.Between(proxyCpu, ProcessCpu.Snapshot(proxyProcesses));
            await Load.ClosedLoopAsync(Concurrency, warmUp, 20_000, viaPlatform.CallAsync).ConfigureAwait(false);
            var platformCpu = ProcessCpu.Snapshot(ourProcesses);
            var ours = await Load.ClosedLoopAsync(Concurrency, settings.LoadPhase, 1_000_000, viaPlatform.CallAsync).ConfigureAwait(false);
            var oursCpu = ProcessCpu.Between(platformCpu, ProcessCpu.Snapshot(ourProcesses));

            results.Comparison(Scenario, $"closed-loop throughput, {Concurrency} callers, server-everything echo", "calls/s", "mcp-proxy in front of the same server", Better.Higher)
                .Add(ours.PerSecond, proxied.PerSecond);
            results.Comparison(Scenario, $"closed-loop p99, {Concurrency} callers", "ms", "mcp-proxy in front of the same server", Better.Lower)
                .Add(ours.Latency.PercentileMs(99), proxied.Latency.PercentileMs(99));
            results.Comparison(Scenario, $"CPU per call, all processes (closed loop, {Concurrency} callers)", "µs", "mcp-proxy, server-everything and the load generator", Better.Lower)
                .Add(ProcessCpu.MicrosPerCall(oursCpu.Values.Sum(), ours), ProcessCpu.MicrosPerCall(proxiedCpu.Values.Sum(), proxied));
            foreach (var (group, seconds) in oursCpu)
            {
                results.AddSingle(Scenario, $"CPU per call through the platform in {group}", "µs", ProcessCpu.MicrosPerCall(seconds, ours));
            }

            foreach (var (group, seconds) in proxiedCpu)
            {
                results.AddSingle(Scenario, $"CPU per call through mcp-proxy in {group}", "µs", ProcessCpu.MicrosPerCall(seconds, proxied));
            }

            results.AddSingle(Scenario, "failed calls through the platform", "calls", ours.Errors);
            results.AddSingle(Scenario, "failed calls through mcp-proxy", "calls", proxied.Errors);
            results.Notes[Scenario] =
                "Ours: `tools/call everything.echo` on ToolExecution's `/mcp` with an API key: the whole pipeline (auth, rate limits, "
                + "schema validation, event-sourced call, audit) and then one long-lived server-everything child over stdio "
                + $"(bubblewrap and rlimits when `bwrap` is installed), at most {Concurrency} calls in flight to it. Baseline: "
                + "`mcp-proxy` 6.7.19 (npm) in front of the same server with the same command, `--server stream --no-eventStore`, "
                + "which relays without authentication or recording. Both driven by the same client with per-request 2026-07-28 "
                + $"calls (no session), {Concurrency} callers, closed loop, each side after a {warmUp.TotalSeconds:0} s warm-up of its own. "
                + "CPU per call is counted as in the echo scenario (user and system time from /proc over the measured phase, "
                + "divided by the calls made): mcp-proxy is a single node event loop, so it is bound by one core, while the "
                + "platform's processes share both cores and are bound by the CPU a call costs in all of them together.";
        }
        finally
        {
            proxy.Kill(entireProcessTree: true);
            await proxy.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    public static void Judge(Results results)
    {
        if (results.Find(Scenario, $"closed-loop throughput, {Concurrency} callers, server-everything echo") is { } throughput)
        {
            var ratio = Stats.Median(throughput.Ratios);
            results.Targets.Add(new("4", "proxying server-everything's echo over stdio at least as fast as mcp-proxy",
                $"{ratio:F2}× ({Stats.Median(throughput.Subject):N0} vs {Stats.Median(throughput.Baseline):N0} calls/s)", ratio >= 1.0));
        }
    }

    private static async Task WaitUntilAnsweringAsync(EchoClient client, string what)
    {
        var clock = Stopwatch.StartNew();
        string? failure = "not tried";
        while (clock.Elapsed < TimeSpan.FromSeconds(60) && (failure = await TryAsync(client).ConfigureAwait(false)) is not null)
        {
            await Task.Delay(250).ConfigureAwait(false);
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"{what} did not answer an echo call within 60 s: {failure}");
        }
    }

    private static async Task<string?> TryAsync(EchoClient client)
    {
        try
        {
            return await client.CallDescribedAsync().ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
