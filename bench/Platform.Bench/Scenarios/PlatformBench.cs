using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Bench.Mcp;
using Platform.Bench.Measurement;
using Platform.Provisioning;
using Platform.Authentication;
using StackExchange.Redis;

namespace Platform.Bench.Scenarios;

/// <summary>
/// Issues 3 and 4: the three services as real Release processes, started by the AppHost on Aspire's test host
/// (<see cref="BenchPlatform"/>, as the tests start it), on the platform's own PostgreSQL and Redis.
/// </summary>
public static class PlatformBench
{
    public const string AuthScenario = "Auth endpoints (platform process, one client)";
    public const string McpScenario = "MCP tools/call echo";
    private const int McpConcurrency = 16;
    private const int TargetRate = 1_000;
    private static readonly string[] WriteRole = ["write"];

    /// <summary>A plan whose limits never deny, so the bench measures the limiter's cost, not its refusals.</summary>
    public static readonly IReadOnlyDictionary<string, string> BenchPlan = new Dictionary<string, string>
    {
        ["Auth__Plans__bench__RequestsPerMinutePerKey"] = "1000000",
        ["Auth__Plans__bench__RequestsPerMinutePerTenant"] = "1000000",
        ["Auth__Plans__bench__RequestsPerMinutePerKeyAndTool"] = "1000000",
        ["Auth__Plans__bench__ConcurrentCallsPerKey"] = "10000",
    };

    public static async Task RunAsync(Results results, BenchSettings settings)
    {
        Console.WriteLine("starting the platform (the AppHost on Aspire's test host, Release services)");
        // The second replica is declared now (the model is fixed once the AppHost starts) but started only for its
        // scenario, last, so it runs beside none of the figures before it.
        Replica[] replicas = settings.Scenarios.Contains(ReplicaScaling.Name) ? [new(ReplicaScaling.Replica, new Dictionary<string, string>(), StartLater: true)] : [];
        await using var platform = await BenchPlatform.StartAsync(
            new Dictionary<string, string>(ProxyComparison.PlatformUpstream(settings.RepositoryRoot)).Concat(BenchPlan).ToDictionary(),
            replicas: replicas).ConfigureAwait(false);
        var services = BenchPlatform.AllServices;
        var admin = platform.AdminKey;
        var authUrl = platform.Url(BenchPlatform.Auth);
        var mcpUrl = new Uri(platform.Url(BenchPlatform.ToolExecution), "/mcp");
        var key = await CreateTenantAndKeyAsync(authUrl, admin).ConfigureAwait(false);

        using var http = EchoClient.CreateHttpClient();
        await using var bare = await BareMcpServer.StartAsync().ConfigureAwait(false);
        var bareClient = new EchoClient(http, bare.Endpoint, bearer: null);
        var platformClient = new EchoClient(http, mcpUrl, key);
        var jwtClient = new EchoClient(http, mcpUrl, await AccessTokenAsync(http, authUrl, key).ConfigureAwait(false));
        if ((await platformClient.CallDescribedAsync().ConfigureAwait(false) ?? await jwtClient.CallDescribedAsync().ConfigureAwait(false) ?? await bareClient.CallDescribedAsync().ConfigureAwait(false)) is { } failure)
        {
            throw new InvalidOperationException("An echo call failed before measuring: " + failure + "\n" + platform.Output(60));
        }

        results.Notes[AuthScenario] =
            "Auth as a real Release process started by the AppHost (DCP, `dotnet run --no-build -c Release`), one HttpClient sending one request at a time. "
            + "`/internal/keys/verify` is uncached on Auth's side: every request loads the key and its tenant from "
            + "PostgreSQL and checks the key hash. `/oauth/token` verifies the key the same way and signs an ES256 JWT. "
            + "Baseline: `GET /health/live` on the same Auth process from the same client, the HTTP floor of that process.";
        results.Notes[McpScenario] =
            "Ours: `tools/call echo` on ToolExecution's `/mcp` with an API key (Auth verification cached, Redis rate "
            + "limits on a `bench` plan of 1,000,000 requests/min so nothing is denied, the event-sourced call in "
            + "PostgreSQL, outbox to Audit) — three Release service processes started by the AppHost on Aspire's test host. Baseline: a "
            + "bare stateless ModelContextProtocol.AspNetCore server with the same echo tool, hosted inside the bench "
            + "process. Each request has a unique JSON-RPC id and succeeds only if the SSE/JSON answer carries that id and "
            + "the echoed text. Closed loop: 16 callers, no think time. Fixed rate: open loop, latency measured from each "
            + "call's due time so a stalled server is not hidden; the offered rate is 1,000 calls/s or, when the platform's "
            + "closed-loop maximum in run 1 is lower, 80% of that maximum. The load generator, the services, PostgreSQL and "
            + "Redis all share the same 2 cores, so a closed loop fills them and its throughput is about the cores divided by "
            + "the CPU one call costs in all processes together: \"CPU per call\" sums user and system time from /proc over "
            + "the closed-loop phase (the platform's services, PostgreSQL's postmaster and backends, redis-server and the "
            + "load generator; the bare server's baseline is its bench process, which holds both its load generator and "
            + "the server) and divides by the calls made; the per-process rows show where a platform call's CPU goes.";
        var postgresPort = new Npgsql.NpgsqlConnectionStringBuilder(platform.Database).Port;
        var redisPid = await RedisPidAsync(platform.Redis!).ConfigureAwait(false);
        // The services' own processes, not the `dotnet run` launchers DCP starts them with.
        var pids = services.ToDictionary(s => s, platform.ProcessId);
        Console.WriteLine($"  service processes: {string.Join(", ", pids.Select(p => $"{p.Key} {p.Value}"))}");
        var processes = ProcessGroups(pids, redisPid, postgresPort);
        if (settings.Scenarios.Contains("mcp") || settings.Scenarios.Contains("auth"))
        {
            double? rate = null;
            for (var i = 1; i <= settings.Runs; i++)
            {
                Console.WriteLine($"auth endpoints, run {i}/{settings.Runs}");
                await MeasureAuthAsync(results, settings, http, authUrl, key, platform.ServiceKey).ConfigureAwait(false);
                Console.WriteLine($"mcp echo, run {i}/{settings.Runs}");
                rate = await MeasureMcpAsync(results, settings, bareClient, platformClient, jwtClient, pids, redisPid, processes, postgresPort, rate).ConfigureAwait(false);
            }

            Judge(results, rate ?? 0);
        }

        if (settings.Scenarios.Contains("proxy"))
        {
            for (var i = 1; i <= settings.Runs; i++)
            {
                Console.WriteLine($"proxying server-everything vs mcp-proxy, run {i}/{settings.Runs}");
                await ProxyComparison.MeasureAsync(results, settings, http, mcpUrl, key, pids[BenchPlatform.ToolExecution], processes).ConfigureAwait(false);
            }

            ProxyComparison.Judge(results);
        }

        // Last: the second replica would otherwise run beside every figure above.
        if (settings.Scenarios.Contains(ReplicaScaling.Name))
        {
            Console.WriteLine("starting a second tool-execution replica");
            await platform.StartAsync(ReplicaScaling.Replica).ConfigureAwait(false);
            var replicaClient = new EchoClient(http, new Uri(platform.Url(ReplicaScaling.Replica), "/mcp"), key);
            if (await replicaClient.CallDescribedAsync().ConfigureAwait(false) is { } replicaFailure)
            {
                throw new InvalidOperationException("An echo call to the second replica failed before measuring: " + replicaFailure + "\n" + platform.Output(60));
            }

            for (var i = 1; i <= settings.Runs; i++)
            {
                Console.WriteLine($"1 vs 2 tool-execution replicas, run {i}/{settings.Runs}");
                await ReplicaScaling.MeasureAsync(results, settings, platformClient, replicaClient, cold: i == 1).ConfigureAwait(false);
            }

            ReplicaScaling.Judge(results);
        }
    }

    /// <summary>Tenant <c>bench</c> on the <see cref="BenchPlan"/> and a write key for it.</summary>
    internal static async Task<string> CreateTenantAndKeyAsync(Uri auth, string admin)
    {
        using var http = new HttpClient { BaseAddress = auth };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        using var tenant = await http.PostAsJsonAsync("/admin/tenants", new { id = "bench", name = "Bench", plan = "bench" }).ConfigureAwait(false);
        tenant.EnsureSuccessStatusCode();
        using var issued = await http.PostAsJsonAsync("/admin/tenants/bench/keys", new { name = "bench", roles = WriteRole }).ConfigureAwait(false);
        issued.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await issued.Content.ReadAsStringAsync().ConfigureAwait(false));
        return body.RootElement.GetProperty("key").GetString()!;
    }

    /// <summary>A token lives 5 minutes by default, longer than the whole MCP scenario.</summary>
    private static async Task<string> AccessTokenAsync(HttpClient http, Uri auth, string key)
    {
        using var form = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("client_secret", key)]);
        using var response = await http.PostAsync(new Uri(auth, "/oauth/token"), form).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
        return body.RootElement.GetProperty("access_token").GetString()!;
    }

    private static async Task MeasureAuthAsync(Results results, BenchSettings settings, HttpClient http, Uri auth, string key, string serviceKey)
    {
        var health = new Uri(auth, "/health/live");
        var verify = new Uri(auth, "/internal/keys/verify");
        var token = new Uri(auth, "/oauth/token");
        async ValueTask<bool> Health()
        {
            using var response = await http.GetAsync(health).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }

        async ValueTask<bool> Verify()
        {
            // As ToolExecution calls it: with the platform's service credential.
            using var request = new HttpRequestMessage(HttpMethod.Post, verify) { Content = JsonContent.Create(new { key, clientIp = "127.0.0.1" }) };
            request.Headers.Add(ServiceCredential.HeaderName, serviceKey);
            using var response = await http.SendAsync(request).ConfigureAwait(false);
            return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync().ConfigureAwait(false)).Contains("\"VALID\"", StringComparison.Ordinal);
        }

        async ValueTask<bool> Token()
        {
            using var form = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("client_secret", key)]);
            using var response = await http.PostAsync(token, form).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }

        await Load.ClosedLoopAsync(1, TimeSpan.FromSeconds(1), 500, Verify).ConfigureAwait(false);
        await Load.ClosedLoopAsync(1, TimeSpan.FromSeconds(1), 500, Token).ConfigureAwait(false);
        var baseline = await Load.ClosedLoopAsync(1, settings.ShortPhase, 50_000, Health).ConfigureAwait(false);
        foreach (var (name, operation) in new[] { ("POST /internal/keys/verify (uncached)", (Func<ValueTask<bool>>)Verify), ("POST /oauth/token", Token) })
        {
            var measured = await Load.ClosedLoopAsync(1, settings.ShortPhase, 50_000, operation).ConfigureAwait(false);
            results.Comparison(AuthScenario, $"{name}: requests/s, one client, one at a time", "req/s", "GET /health/live on Auth", Better.Higher)
                .Add(measured.PerSecond, baseline.PerSecond);
            results.Comparison(AuthScenario, $"{name}: p99", "ms", "GET /health/live on Auth", Better.Lower)
                .Add(measured.Latency.PercentileMs(99), baseline.Latency.PercentileMs(99));
            results.AddSingle(AuthScenario, $"{name}: failed requests", "requests", measured.Errors);
        }
    }

    private static async Task<double> MeasureMcpAsync(
        Results results, BenchSettings settings, EchoClient bare, EchoClient platform, EchoClient jwt, IReadOnlyDictionary<string, int> services, int? redisPid,
        IReadOnlyDictionary<string, Func<IEnumerable<int>>> processes, int postgresPort, double? fixedRate)
    {
        await Load.ClosedLoopAsync(McpConcurrency, TimeSpan.FromSeconds(1), 20_000, bare.CallAsync).ConfigureAwait(false);
        // Longer for the platform: three processes to JIT, plus PostgreSQL and Redis connection pools to fill. On two
        // shared cores, tiered compilation of the services' hot paths lags for tens of seconds: after a 5 s warm-up
        // ToolExecution still spent about 1.4 ms of CPU per call, after 50 s under load about 0.5 ms. The figures are
        // about a running service, so the first run warms up for 20 s (BenchSettings.WarmUp; later runs follow a warm one).
        await Load.ClosedLoopAsync(McpConcurrency, fixedRate is null ? settings.WarmUp : TimeSpan.FromSeconds(2), 20_000, platform.CallAsync).ConfigureAwait(false);

        var bareCpu = ProcessCpu.Snapshot(processes);
        var bareMax = await Load.ClosedLoopAsync(McpConcurrency, settings.LoadPhase, 1_000_000, bare.CallAsync).ConfigureAwait(false);
        var platformCpu = ProcessCpu.Snapshot(processes);
        var platformMax = await Load.ClosedLoopAsync(McpConcurrency, settings.LoadPhase, 1_000_000, platform.CallAsync).ConfigureAwait(false);
        AddCpuPerCall(results, ProcessCpu.Between(bareCpu, platformCpu), bareMax, ProcessCpu.Between(platformCpu, ProcessCpu.Snapshot(processes)), platformMax);
        results.Comparison(McpScenario, $"closed-loop max throughput, {McpConcurrency} concurrent callers", "calls/s", "bare ModelContextProtocol.AspNetCore server", Better.Higher)
            .Add(platformMax.PerSecond, bareMax.PerSecond);
        results.Comparison(McpScenario, $"closed-loop p99, {McpConcurrency} concurrent callers", "ms", "bare ModelContextProtocol.AspNetCore server", Better.Lower)
            .Add(platformMax.Latency.PercentileMs(99), bareMax.Latency.PercentileMs(99));
        AddErrors(results, "closed loop", platformMax, bareMax);

        var jwtMax = await Load.ClosedLoopAsync(McpConcurrency, settings.LoadPhase, 1_000_000, jwt.CallAsync).ConfigureAwait(false);
        results.Comparison(McpScenario, $"closed-loop max throughput with an OAuth access token (JWT) instead of the API key, {McpConcurrency} callers", "calls/s", "the same platform with the API key, same run", Better.Higher)
            .Add(jwtMax.PerSecond, platformMax.PerSecond);
        results.AddSingle(McpScenario, "failed calls, platform with JWT (closed loop)", "calls", jwtMax.Errors);

        // The first run decides the offered rate for all runs: 1,000 calls/s, or 80% of what the platform sustained if lower.
        var rate = fixedRate ?? Math.Min(TargetRate, Math.Floor(platformMax.PerSecond * 0.8 / 10) * 10);
        var bareFixed = await Load.FixedRateAsync(rate, settings.LoadPhase, 512, bare.CallAsync).ConfigureAwait(false);
        using var sampling = new CancellationTokenSource();
        var rss = SampleRssAsync(services, redisPid, sampling.Token);
        var postgresRss = SamplePostgresRssAsync(postgresPort, sampling.Token);
        var platformFixed = await Load.FixedRateAsync(rate, settings.LoadPhase, 512, platform.CallAsync).ConfigureAwait(false);
        await sampling.CancelAsync().ConfigureAwait(false);
        var peaks = await rss.ConfigureAwait(false);
        if (await postgresRss.ConfigureAwait(false) is > 0 and var postgresKib)
        {
            results.AddSingle(McpScenario, $"peak RSS of PostgreSQL under {rate:N0} calls/s (postmaster and backends: private memory summed, shared memory counted once)", "MiB", postgresKib / 1024.0);
        }

        var name = $"p99 at {rate:N0} calls/s offered";
        results.Comparison(McpScenario, name, "ms", "bare ModelContextProtocol.AspNetCore server", Better.Lower)
            .Add(platformFixed.Latency.PercentileMs(99), bareFixed.Latency.PercentileMs(99));
        results.Comparison(McpScenario, $"p50 at {rate:N0} calls/s offered", "ms", "bare ModelContextProtocol.AspNetCore server", Better.Lower)
            .Add(platformFixed.Latency.PercentileMs(50), bareFixed.Latency.PercentileMs(50));
        AddErrors(results, $"{rate:N0} calls/s", platformFixed, bareFixed);
        foreach (var (process, kib) in peaks)
        {
            results.AddSingle(McpScenario, $"peak RSS of {process} under {rate:N0} calls/s", "MiB", kib / 1024.0);
        }

        return rate;
    }

    internal const string LoadGenerator = "load generator (the bench process)";

    /// <summary>
    /// CPU per call across every process the call touches, against the bare server's (its process hosts both the load
    /// generator and the server), and the platform's split by process: where a call's cost goes.
    /// </summary>
    private static void AddCpuPerCall(Results results, Dictionary<string, double> bareCpu, LoadResult bare, Dictionary<string, double> platformCpu, LoadResult platform)
    {
        results.Comparison(McpScenario, $"CPU per call, all processes (closed loop, {McpConcurrency} callers)", "µs", "bare server: load generator and server in the bench process", Better.Lower)
            .Add(ProcessCpu.MicrosPerCall(platformCpu.Values.Sum(), platform), ProcessCpu.MicrosPerCall(bareCpu[LoadGenerator], bare));
        foreach (var (group, seconds) in platformCpu)
        {
            results.AddSingle(McpScenario, $"CPU per platform call in {group} (closed loop)", "µs", ProcessCpu.MicrosPerCall(seconds, platform));
        }
    }

    /// <summary>The processes a platform call runs in, by name, listed afresh at each snapshot.</summary>
    internal static Dictionary<string, Func<IEnumerable<int>>> ProcessGroups(IReadOnlyDictionary<string, int> services, int? redisPid, int postgresPort)
    {
        var groups = services.ToDictionary(s => s.Key, s => (Func<IEnumerable<int>>)(() => [s.Value]));
        if (redisPid is { } redis)
        {
            groups["redis-server"] = () => [redis];
        }

        if (FindPostmaster(postgresPort) is { } postmaster)
        {
            groups["PostgreSQL (postmaster and backends)"] = () => ProcessCpu.ChildrenOf(postmaster).Append(postmaster);
        }

        groups[LoadGenerator] = () => [Environment.ProcessId];
        return groups;
    }

    private static void AddErrors(Results results, string phase, LoadResult platform, LoadResult bare)
    {
        results.AddSingle(McpScenario, $"failed calls, platform ({phase})", "calls", platform.Errors);
        results.AddSingle(McpScenario, $"calls made, platform ({phase})", "calls", platform.Completed);
        results.AddSingle(McpScenario, $"failed calls, bare server ({phase})", "calls", bare.Errors);
    }

    /// <summary>Peak VmRSS (KiB) of each service process and of redis-server, sampled every 250 ms.</summary>
    private static async Task<Dictionary<string, long>> SampleRssAsync(IReadOnlyDictionary<string, int> services, int? redisPid, CancellationToken stop)
    {
        var pids = new Dictionary<string, int>(services);
        if (redisPid is { } redis)
        {
            pids["redis-server"] = redis;
        }

        var peaks = pids.Keys.ToDictionary(name => name, _ => 0L);
        for (var i = 0; i < 400 && !stop.IsCancellationRequested; i++)
        {
            foreach (var (name, pid) in pids)
            {
                peaks[name] = Math.Max(peaks[name], VmRssKib(pid));
            }

            try
            {
                await Task.Delay(250, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return peaks;
    }

    /// <summary>redis-server's pid, as it reports it.</summary>
    private static async Task<int?> RedisPidAsync(string redis)
    {
        try
        {
            var options = ConfigurationOptions.Parse(redis);
            options.AllowAdmin = true;
            await using var connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            var info = (string)(await connection.GetDatabase().ExecuteAsync("INFO", "server").ConfigureAwait(false))!;
            var line = info.Split('\n').FirstOrDefault(l => l.StartsWith("process_id:", StringComparison.Ordinal));
            return line is null ? null : int.Parse(line["process_id:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (RedisException)
        {
            return null;
        }
    }

    /// <summary>
    /// PostgreSQL is a postmaster plus one process per connection, all mapping the same shared buffers; summing their
    /// VmRSS would count those buffers once per process.
    /// </summary>
    private static async Task<long> SamplePostgresRssAsync(int port, CancellationToken stop)
    {
        if (FindPostmaster(port) is not { } postmaster)
        {
            return 0;
        }

        long peak = 0;
        for (var i = 0; i < 400 && !stop.IsCancellationRequested; i++)
        {
            var processes = ProcessCpu.ChildrenOf(postmaster).Append(postmaster).ToList();
            var total = processes.Sum(pid => StatusKib(pid, "RssAnon:")) + processes.Max(pid => StatusKib(pid, "RssShmem:"));
            peak = Math.Max(peak, total);
            try
            {
                await Task.Delay(250, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return peak;
    }

    /// <summary>The local postmaster started with <c>-p port</c> (the AppHost's local PostgreSQL resource), if any.</summary>
    private static int? FindPostmaster(int port)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var arguments = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                var portIndex = Array.IndexOf(arguments, "-p");
                if (arguments[0].EndsWith("/postgres", StringComparison.Ordinal) && portIndex > 0 && portIndex + 1 < arguments.Length
                    && arguments[portIndex + 1] == port.ToString(CultureInfo.InvariantCulture))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
            }
        }

        return null;
    }

    internal static long VmRssKib(int pid) => StatusKib(pid, "VmRSS:");

    private static long StatusKib(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[field.Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static void Judge(Results results, double rate)
    {
        if (results.Find(McpScenario, $"closed-loop max throughput, {McpConcurrency} concurrent callers") is { } throughput)
        {
            var ratio = Stats.Median(throughput.Ratios);
            results.Targets.Add(new("4", "platform echo throughput ≥ 50% of a bare SDK server", $"{ratio:P0} ({Stats.Median(throughput.Subject):N0} vs {Stats.Median(throughput.Baseline):N0} calls/s)", ratio >= 0.5));
        }

        if (results.Find(McpScenario, $"p99 at {rate:N0} calls/s offered") is { } p99)
        {
            var added = Stats.Median(p99.Subject.Zip(p99.Baseline, (s, b) => s - b));
            var offered = rate >= TargetRate ? "" : $" (this machine could not offer 1,000 calls/s through the platform; measured at {rate:N0} calls/s, 80% of its closed-loop maximum)";
            results.Targets.Add(new("4", "p99 added latency ≤ 3 ms at 1,000 calls/s offered", $"{added:F2} ms added at {rate:N0} calls/s{offered}", rate >= TargetRate && added <= 3));
        }

        var rss = results.Singles.Where(f => f.Scenario == McpScenario && f.Name.StartsWith("peak RSS of tool-execution", StringComparison.Ordinal)).SelectMany(f => f.Values).ToList();
        if (rss.Count > 0)
        {
            results.Targets.Add(new("4", "report the RSS of the service under that load", $"tool-execution peak {Stats.Median(rss):F0} MiB (median of {rss.Count} runs)", null));
        }

        if (results.Find(AuthScenario, "POST /internal/keys/verify (uncached): p99") is { } verify
            && results.Find(AuthScenario, "POST /internal/keys/verify (uncached): requests/s, one client, one at a time") is { } verifyRate)
        {
            results.Targets.Add(new("3", "report Auth's verification endpoint, uncached, one client: throughput and p99", $"{Stats.Median(verifyRate.Subject):N0} req/s, p99 {Stats.Median(verify.Subject):F2} ms", null));
        }

        if (results.Find(AuthScenario, "POST /oauth/token: p99") is { } token
            && results.Find(AuthScenario, "POST /oauth/token: requests/s, one client, one at a time") is { } tokenRate)
        {
            results.Targets.Add(new("3", "report token issuance: throughput and p99", $"{Stats.Median(tokenRate.Subject):N0} req/s, p99 {Stats.Median(token.Subject):F2} ms", null));
        }
    }
}
