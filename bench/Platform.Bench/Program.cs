using System.Diagnostics;
using System.Globalization;
using Platform.Bench;
using Platform.Bench.Measurement;
using Platform.Bench.Scenarios;
using Platform.Provisioning;
using Platform.Testing;

var root = RepositoryRoot.Find();
var arguments = args.ToList();
string? Option(string name)
{
    var index = arguments.IndexOf(name);
    return index >= 0 && index + 1 < arguments.Count ? arguments[index + 1] : null;
}

if (Option("--scenarios") == "drills")
{
    return await Platform.Bench.Drills.DrillSuite.RunAsync(
        root,
        (Option("--drills") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal),
        Option("--out") ?? Path.Combine(root, "docs", "reliability.md"),
        ("bench/drills.sh " + string.Join(' ', args.Where((_, i) => i >= 2 || args[0] != "--scenarios"))).TrimEnd());
}

var settings = new BenchSettings
{
    RepositoryRoot = root,
    Runs = int.Parse(Option("--runs") ?? "3", CultureInfo.InvariantCulture),
    // Longer phases are for profiling one scenario (e.g. sampling each process's CPU), not for the published figures.
    LoadPhase = TimeSpan.FromSeconds(int.Parse(Option("--load-seconds") ?? "4", CultureInfo.InvariantCulture)),
    // Shorter warm-ups are for smoke runs that only prove the bench starts, measures and stops.
    WarmUp = TimeSpan.FromSeconds(int.Parse(Option("--warmup-seconds") ?? "20", CultureInfo.InvariantCulture)),
    OutputPath = Option("--out") ?? Path.Combine(root, "docs", "benchmarks.md"),
    Scenarios = (Option("--scenarios") ?? "startup,ratelimit,verify,mcp,proxy,replicas,audit,growth").Split(',').ToHashSet(StringComparer.Ordinal),
    CommandLine = "dotnet bench/Platform.Bench/bin/Release/net10.0/Platform.Bench.dll " + string.Join(' ', args),
};

var clock = Stopwatch.StartNew();
var results = new Results();

// First, while nothing else of the bench has warmed the machine: the figure a person sees on their first command.
if (settings.Scenarios.Contains(StartupBench.Name))
{
    await RunScenarioAsync(results, "#17 | the AppHost startup scenario", () => StartupBench.RunAsync(results, settings));
}
else
{
    results.NotMeasured.Add("#17 | `dotnet run --project AppHost` to every resource healthy (scenario not selected)");
}

if (settings.Scenarios.Contains("ratelimit"))
{
    var (redisRun, redis) = await BenchPlatform.StartRedisAsync(DatastoreOptions.RedisServerBinary);
    await using (redisRun)
    {
        for (var run = 1; run <= settings.Runs; run++)
        {
            Console.WriteLine($"rate limiter on {DatastoreOptions.RedisServerBinary}, run {run}/{settings.Runs}");
            await new RateLimiterBench(redis, DatastoreOptions.RedisServerBinary, settings).RunAsync(results, run);
        }
    }

    RateLimiterBench.Judge(results, DatastoreOptions.RedisServerBinary);
    await RunOnGarnetAsync(results, settings);
}

if (settings.Scenarios.Contains("verify"))
{
    for (var run = 1; run <= settings.Runs; run++)
    {
        Console.WriteLine($"cached verification, run {run}/{settings.Runs}");
        await new CachedVerificationBench(settings).RunAsync(results);
    }

    CachedVerificationBench.Judge(results);
}

// Each scenario below starts a platform of its own through the AppHost (BenchPlatform), on its own PostgreSQL and Redis.
var platformScenarios = settings.Scenarios.Contains("mcp") || settings.Scenarios.Contains("auth") || settings.Scenarios.Contains("proxy")
    || settings.Scenarios.Contains(ReplicaScaling.Name);
if (settings.Scenarios.Contains("proxy"))
{
    await ProxyComparison.EnsureInstalledAsync(root);
}

if (platformScenarios)
{
    await RunScenarioAsync(results, "#3, #4 | the platform scenario", () => PlatformBench.RunAsync(results, settings));
}

if (settings.Scenarios.Contains("audit"))
{
    await RunScenarioAsync(results, "#6 | the audit scenario", () => AuditBench.RunAsync(results, settings));
}

if (settings.Scenarios.Contains("growth"))
{
    await RunScenarioAsync(results, "#8 | data growth at 10k/100k/1M audit records: the growth scenario",
        () => GrowthBench.RunAsync(results, settings));
}

if (!settings.Scenarios.Contains("mcp") && !settings.Scenarios.Contains("auth"))
{
    results.NotMeasured.Add("#3 | Auth /internal/keys/verify uncached and /oauth/token throughput and p99 (scenario not selected)");
    results.NotMeasured.Add("#4 | MCP echo through the platform vs a bare SDK server (scenario not selected)");
}

if (!settings.Scenarios.Contains("proxy"))
{
    results.NotMeasured.Add("#4 | proxying server-everything over stdio vs mcp-proxy (scenario not selected)");
}

if (!settings.Scenarios.Contains("growth"))
{
    results.NotMeasured.Add("#8 | data growth: call throughput and verify speed at 10k/100k/1M audit records (scenario not selected)");
}

if (!settings.Scenarios.Contains(ReplicaScaling.Name))
{
    results.NotMeasured.Add("#8 | 1 vs 2 ToolExecution replicas (scenario not selected)");
}

var report = MarkdownReport.Render(results, settings, MachineFacts.Collect(root), clock.Elapsed);
await File.WriteAllTextAsync(settings.OutputPath, report);
Console.WriteLine(report);
return 0;

// A scenario that fails keeps the figures measured so far in the report, with the reason the rest is missing.
static async Task RunScenarioAsync(Results results, string what, Func<Task> scenario)
{
    try
    {
        await scenario();
    }
    catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TimeoutException or Npgsql.NpgsqlException)
    {
        Console.Error.WriteLine(e);
        results.NotMeasured.Add($"{what} stopped early: {e.Message.Split('\n')[0]}");
    }
}

static async Task RunOnGarnetAsync(Results results, BenchSettings settings)
{
    AppHostRun garnetRun;
    string garnet;
    try
    {
        (garnetRun, garnet) = await BenchPlatform.StartRedisAsync(DatastoreOptions.Garnet);
    }
    catch (Exception e) when (e is InfrastructureUnavailableException || e.InnerException is InfrastructureUnavailableException)
    {
        results.NotMeasured.Add($"#5 | the rate limiter on garnet: {(e as InfrastructureUnavailableException ?? e.InnerException)!.Message}");
        return;
    }

    await using (garnetRun)
    {
        for (var run = 1; run <= settings.Runs; run++)
        {
            Console.WriteLine($"rate limiter on {DatastoreOptions.Garnet}, run {run}/{settings.Runs}");
            await new RateLimiterBench(garnet, DatastoreOptions.Garnet, settings).RunAsync(results, run);
        }
    }

    RateLimiterBench.Judge(results, DatastoreOptions.Garnet);
}
