using System.Globalization;
using System.Net.Sockets;
using Npgsql;
using Platform.Provisioning;
using Platform.Provisioning.Processes;

namespace Platform.Bench.Drills;

/// <summary>Drills 1, 3, 4 and 5: a process or a server goes away under steady load and comes back.</summary>
public static class FaultDrills
{
    private const int Callers = 16;
    private static readonly TimeSpan Steady = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    /// <summary>Drill 1.</summary>
    public static async Task<DrillResult> KillToolExecutionAsync(DrillContext platform)
    {
        const string tenant = "drill-kill-te";
        var result = new DrillResult("1", "SIGKILL ToolExecution mid-load, then restart it",
            $"{Callers} callers on the first ToolExecution process. After {Steady.TotalSeconds:0} s it gets SIGKILL; "
            + $"{Outage.TotalSeconds:0} s later it is started again on the same port with the same environment "
            + "(the AppHost's start command on its resource), and the load runs on until 3 s after the first success.");
        result.Load = $"{Callers} callers, one ToolExecution process (the second replica is idle)";
        await platform.CreateTenantAsync(tenant).ConfigureAwait(false);
        var (key, _) = await platform.IssueKeyAsync(tenant).ConfigureAwait(false);
        var client = platform.Client(DrillContext.ToolExecution, key, "kte");
        var started = platform.Clock.Elapsed.TotalSeconds;
        await using var load = SteadyLoad.Start(Callers, _ => client);
        await Task.Delay(Steady).ConfigureAwait(false);

        var killed = platform.Clock.Elapsed.TotalSeconds;
        await platform.KillAsync(DrillContext.ToolExecution).ConfigureAwait(false);
        result.Mark(killed, "the SIGKILL");
        await Task.Delay(Outage).ConfigureAwait(false);
        var restarting = platform.Clock.Elapsed.TotalSeconds;
        await platform.StartAsync(DrillContext.ToolExecution).ConfigureAwait(false);
        var ready = platform.Clock.Elapsed.TotalSeconds;
        result.Mark(ready, "the restarted process was ready");
        var firstOk = await FirstSuccessAfterAsync(load, ready, _ => true).ConfigureAwait(false);
        await Task.Delay(Steady).ConfigureAwait(false);
        var outcomes = await load.StopAsync().ConfigureAwait(false);

        result.Count(outcomes, platform.Clock.Elapsed.TotalSeconds - started);
        var outage = outcomes.Where(o => o.End >= killed && o.Start <= (firstOk ?? double.MaxValue) && o.Kind != CallKind.Success).ToList();
        result.Recovery = string.Create(CultureInfo.InvariantCulture,
            $"restart to /health/ready {ready - restarting:F1} s; kill to first success again {Seconds(firstOk, killed)}");
        result.Checks.Add(new("errors during the outage are connection errors, not wrong answers",
            Kinds(outage), outage.All(o => o.Kind == CallKind.ConnectionError)));
        result.Checks.Add(new("wrong answers over the whole drill", Count(outcomes, CallKind.WrongAnswer), !outcomes.Any(o => o.Kind == CallKind.WrongAnswer)));
        result.Checks.Add(new("calls succeed again after the restart", firstOk is null ? "no success within 60 s" : "yes", firstOk is not null));
        await result.ReconcileAsync(platform, tenant, outcomes).ConfigureAwait(false);
        return result;
    }

    /// <summary>Drill 3.</summary>
    public static async Task<DrillResult> KillAuthAsync(DrillContext platform)
    {
        const string tenant = "drill-kill-auth";
        var result = new DrillResult("3", "SIGKILL Auth mid-load",
            $"{Callers} callers on ToolExecution with a key it has verified and cached. A second key is issued before the kill "
            + $"but never used, so no replica has it cached. After {Steady.TotalSeconds:0} s Auth gets SIGKILL and stays down until the "
            + "cached key stops working (its 30 s cache entry lapses) or 40 s pass; meanwhile the new key is tried once a second. "
            + "Then Auth is started again on its port and both keys must work again.");
        result.Load = $"{Callers} callers, one ToolExecution process";
        await platform.CreateTenantAsync(tenant).ConfigureAwait(false);
        var (cached, _) = await platform.IssueKeyAsync(tenant).ConfigureAwait(false);
        var (fresh, _) = await platform.IssueKeyAsync(tenant).ConfigureAwait(false);
        var client = platform.Client(DrillContext.ToolExecution, cached, "kau");
        var probe = platform.Client(DrillContext.ToolExecution, fresh, "kaunew");
        var started = platform.Clock.Elapsed.TotalSeconds;
        await using var load = SteadyLoad.Start(Callers, _ => client);
        await Task.Delay(Steady).ConfigureAwait(false);
        var firstCached = load.Snapshot().Where(o => o.Kind == CallKind.Success).Select(o => o.End).DefaultIfEmpty(started).Min();

        var killed = platform.Clock.Elapsed.TotalSeconds;
        await platform.KillAsync(BenchPlatform.Auth).ConfigureAwait(false);
        result.Mark(killed, "Auth's SIGKILL");
        var probes = new List<CallOutcome>();
        var cachedFailed = false;
        while (platform.Clock.Elapsed.TotalSeconds - killed < 40 && !cachedFailed)
        {
            probes.Add(await probe.CallAsync(-1).ConfigureAwait(false));
            cachedFailed = load.Snapshot().Any(o => o.Start > killed && o.Kind != CallKind.Success);
            await Task.Delay(1000).ConfigureAwait(false);
        }

        // Let the cached key fail for a moment so the failure status is seen, not only its first instance.
        await Task.Delay(1000).ConfigureAwait(false);
        var restarting = platform.Clock.Elapsed.TotalSeconds;
        await platform.StartAsync(BenchPlatform.Auth).ConfigureAwait(false);
        var ready = platform.Clock.Elapsed.TotalSeconds;
        result.Mark(ready, "Auth was ready again");
        var cachedBack = await FirstSuccessAfterAsync(load, ready, _ => true).ConfigureAwait(false);
        CallOutcome? freshBack = null;
        for (var attempt = 0; attempt < 100 && freshBack is null; attempt++)
        {
            var outcome = await probe.CallAsync(-1).ConfigureAwait(false);
            probes.Add(outcome);
            freshBack = outcome.Kind == CallKind.Success ? outcome : null;
            if (freshBack is null)
            {
                await Task.Delay(200).ConfigureAwait(false);
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        var outcomes = await load.StopAsync().ConfigureAwait(false);
        result.Count(outcomes.Concat(probes), platform.Clock.Elapsed.TotalSeconds - started);

        var firstCachedFailure = outcomes.Where(o => o.Start > killed && o.Kind != CallKind.Success).OrderBy(o => o.End).FirstOrDefault();
        var cachedWorked = (firstCachedFailure?.Start ?? restarting) - killed;
        var expectedExpiry = firstCached + 30 - killed;
        var cachedFailures = outcomes.Where(o => o.Start > killed && o.Start < ready && o.Kind != CallKind.Success).ToList();
        var freshDuring = probes.Where(o => o.Start > killed && o.Start < restarting).ToList();
        result.Recovery = string.Create(CultureInfo.InvariantCulture,
            $"Auth restart to /health/ready {ready - restarting:F1} s; cached key working again {Seconds(cachedBack, ready)} after ready; new key working {Seconds(freshBack?.End, ready)} after ready");
        result.Checks.Add(new("the cached key keeps working while Auth is down, until its cache entry lapses",
            string.Create(CultureInfo.InvariantCulture, $"worked for {cachedWorked:F1} s after the kill; its entry was cached {killed - firstCached:F1} s before the kill, so the 30 s TTL predicts {expectedExpiry:F1} s"),
            cachedWorked >= expectedExpiry - 1.5));
        result.Checks.Add(new("the cached key after its entry lapsed, Auth still down", Kinds(cachedFailures) + Detail(cachedFailures), null));
        var slowestFresh = freshDuring.Select(o => o.End - o.Start).DefaultIfEmpty(0).Max();
        result.Checks.Add(new("a key never seen before fails clearly and promptly while Auth is down: 503 with Retry-After (slowest under 5 s; no hang, no 500, no 401 that would tell the client its key is bad)",
            Kinds(freshDuring) + string.Create(CultureInfo.InvariantCulture, $"; slowest {slowestFresh * 1000:F0} ms") + Detail(freshDuring),
            freshDuring.Count > 0 && freshDuring.All(o => o.Kind == CallKind.HttpError && o.Status == 503) && slowestFresh < 5));
        result.Checks.Add(new("both keys work again after Auth is restarted", cachedBack is not null && freshBack is not null ? "yes" : "no", cachedBack is not null && freshBack is not null));
        result.Checks.Add(new("wrong answers over the whole drill", Count(outcomes, CallKind.WrongAnswer), !outcomes.Any(o => o.Kind == CallKind.WrongAnswer)));
        await result.ReconcileAsync(platform, tenant, outcomes.Concat(probes)).ConfigureAwait(false);
        return result;
    }

    /// <summary>Drill 4.</summary>
    public static async Task<DrillResult> RestartPostgresAsync(DrillContext platform)
    {
        const string tenant = "drill-postgres";
        var result = new DrillResult("4", "Restart PostgreSQL mid-load",
            $"{Callers} callers on ToolExecution. After {Steady.TotalSeconds:0} s PostgreSQL is stopped with the AppHost's stop command "
            + "on its resource (SIGTERM, which the resource turns into PostgreSQL's fast shutdown: what an operator's restart does, "
            + $"every connection is cut), left down {Outage.TotalSeconds:0} s, and started again with the start command on the same "
            + "port. The services are not restarted.");
        result.Load = $"{Callers} callers, one ToolExecution process";
        await platform.CreateTenantAsync(tenant).ConfigureAwait(false);
        var (key, _) = await platform.IssueKeyAsync(tenant).ConfigureAwait(false);
        var client = platform.Client(DrillContext.ToolExecution, key, "pg");
        var pids = platform.Services.Select(platform.ProcessId).ToList();
        var port = new NpgsqlConnectionStringBuilder(platform.Database).Port;
        var connection = new NpgsqlConnectionStringBuilder(platform.Database) { Pooling = false, Timeout = 1 }.ConnectionString;
        var started = platform.Clock.Elapsed.TotalSeconds;
        await using var load = SteadyLoad.Start(Callers, _ => client);
        await Task.Delay(Steady).ConfigureAwait(false);

        var stopping = platform.Clock.Elapsed.TotalSeconds;
        await StopAsync(platform, PlatformDatastores.Postgres, port).ConfigureAwait(false);
        var stopped = platform.Clock.Elapsed.TotalSeconds;
        await Task.Delay(Outage).ConfigureAwait(false);
        var starting = platform.Clock.Elapsed.TotalSeconds;
        var (up, healthy) = await StartAsync(platform, PlatformDatastores.Postgres, () => AcceptsPostgresAsync(connection)).ConfigureAwait(false);
        result.Mark(stopping, "the stop command began");
        result.Mark(stopped, "PostgreSQL stopped");
        result.Mark(starting, "the start command began");
        result.Mark(up, "PostgreSQL accepted connections again");
        result.Mark(healthy, "the AppHost saw PostgreSQL healthy again");
        var firstOk = await FirstSuccessAfterAsync(load, up, _ => true).ConfigureAwait(false);
        await Task.Delay(Steady).ConfigureAwait(false);
        var outcomes = await load.StopAsync().ConfigureAwait(false);

        result.Count(outcomes, platform.Clock.Elapsed.TotalSeconds - started);
        // Every call in flight at some moment of the outage, including those sent before it that waited through it.
        var during = outcomes.Where(o => o.End >= stopped && o.Start < starting).ToList();
        var failedDuring = during.Where(o => o.Kind != CallKind.Success).ToList();
        var waitedOut = during.Count(o => o.Kind == CallKind.Success && o.End >= up);
        result.Notes.Add($"{waitedOut:N0} calls in flight while PostgreSQL was down waited through the outage and succeeded after it came back (the success count in the check above)");
        var slowest = during.Select(o => o.End - o.Start).DefaultIfEmpty(0).Max();
        var alive = pids.All(PosixProcess.IsAlive);
        result.Recovery = string.Create(CultureInfo.InvariantCulture,
            $"stop took {stopped - stopping:F1} s, start {up - starting:F1} s; first success {Seconds(firstOk, up)} after PostgreSQL accepted connections again");
        result.Checks.Add(new("calls in flight while PostgreSQL is down fail fast with a clear 503 instead of waiting (slowest under 5 s)",
            Kinds(during) + string.Create(CultureInfo.InvariantCulture, $"; slowest call {slowest * 1000:F0} ms") + Detail(failedDuring),
            failedDuring.Count > 0 && failedDuring.All(o => o.Kind == CallKind.HttpError && o.Status == 503) && slowest < 5));
        result.Checks.Add(new("services recover without a restart", alive ? $"all {pids.Count} service processes kept their PIDs; calls succeed again: {(firstOk is null ? "no" : "yes")}" : "a service process died",
            alive && firstOk is not null));
        result.Checks.Add(new("wrong answers over the whole drill", Count(outcomes, CallKind.WrongAnswer), !outcomes.Any(o => o.Kind == CallKind.WrongAnswer)));
        await result.ReconcileAsync(platform, tenant, outcomes).ConfigureAwait(false);
        return result;
    }

    /// <summary>Drill 5.</summary>
    public static async Task<DrillResult> StopRedisAsync(DrillContext platform)
    {
        const string tenant = "drill-redis";
        var result = new DrillResult("5", "Stop Redis mid-load (fail-open and fail-closed)",
            $"{Callers} callers, half on the first ToolExecution replica (`RateLimits:OnRedisFailure` = `FailOpen`, the default) and "
            + $"half on the second (`FailClosed`, set through its environment). After {Steady.TotalSeconds:0} s redis-server is stopped "
            + $"with the AppHost's stop command on its resource (SIGTERM), left down {Outage.TotalSeconds:0} s and started again on the same port.");
        result.Load = $"{Callers} callers, {Callers / 2} per replica";
        await platform.CreateTenantAsync(tenant).ConfigureAwait(false);
        var (key, _) = await platform.IssueKeyAsync(tenant).ConfigureAwait(false);
        var open = platform.Client(DrillContext.ToolExecution, key, "rdo");
        var closed = platform.Client(DrillContext.Replica, key, "rdc");
        var redisEndpoint = platform.Redis.Split(',')[0];
        var redisPort = int.Parse(redisEndpoint[(redisEndpoint.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        var started = platform.Clock.Elapsed.TotalSeconds;
        await using var load = SteadyLoad.Start(Callers, caller => caller % 2 == 0 ? open : closed);
        await Task.Delay(Steady).ConfigureAwait(false);

        var stopping = platform.Clock.Elapsed.TotalSeconds;
        await StopAsync(platform, PlatformDatastores.Redis, redisPort).ConfigureAwait(false);
        var stopped = platform.Clock.Elapsed.TotalSeconds;
        await Task.Delay(Outage).ConfigureAwait(false);
        var starting = platform.Clock.Elapsed.TotalSeconds;
        var (up, healthy) = await StartAsync(platform, PlatformDatastores.Redis, () => AnswersPingAsync(redisPort)).ConfigureAwait(false);
        result.Mark(stopped, "redis-server stopped");
        result.Mark(up, "redis-server answered again");
        result.Mark(healthy, "the AppHost saw Redis healthy again");
        var openBack = await FirstSuccessAfterAsync(load, up, o => o.Caller % 2 == 0).ConfigureAwait(false);
        var closedBack = await FirstSuccessAfterAsync(load, up, o => o.Caller % 2 == 1).ConfigureAwait(false);
        await Task.Delay(Steady).ConfigureAwait(false);
        var outcomes = await load.StopAsync().ConfigureAwait(false);

        result.Count(outcomes, platform.Clock.Elapsed.TotalSeconds - started);
        var openDuring = outcomes.Where(o => o.Caller % 2 == 0 && o.Start >= stopped && o.Start < starting).ToList();
        var closedDuring = outcomes.Where(o => o.Caller % 2 == 1 && o.Start >= stopped && o.Start < starting).ToList();
        var closedAfter = outcomes.Where(o => o.Caller % 2 == 1 && o.Start >= up).ToList();
        result.Recovery = string.Create(CultureInfo.InvariantCulture,
            $"redis-server stop {stopped - stopping:F1} s, start {up - starting:F1} s; first success after Redis answered again: fail-open replica {Seconds(openBack, up)}, fail-closed replica {Seconds(closedBack, up)}");
        result.Checks.Add(new("fail-open replica while Redis is down: calls keep succeeding (local limiter)", Kinds(openDuring),
            openDuring.Count > 0 && openDuring.Count(o => o.Kind == CallKind.Success) >= openDuring.Count * 0.95));
        result.Checks.Add(new("fail-closed replica while Redis is down: calls refused with 503", Kinds(closedDuring) + Detail(closedDuring.Where(o => o.Kind != CallKind.Success).ToList()),
            closedDuring.Count > 0 && closedDuring.Count(o => o.Kind == CallKind.HttpError && o.Status == 503) >= closedDuring.Count * 0.9));
        result.Checks.Add(new("both replicas recover by themselves once Redis is back", $"fail-open: {(openBack is null ? "no" : "yes")}, fail-closed: {(closedBack is null ? "no" : "yes")}; fail-closed calls after Redis returned: {Kinds(closedAfter)}",
            openBack is not null && closedBack is not null));
        result.Checks.Add(new("wrong answers over the whole drill", Count(outcomes, CallKind.WrongAnswer), !outcomes.Any(o => o.Kind == CallKind.WrongAnswer)));
        await result.ReconcileAsync(platform, tenant, outcomes).ConfigureAwait(false);
        return result;
    }

    /// <summary>Stops a datastore through the AppHost; returns once its port refuses connections.</summary>
    private static async Task StopAsync(DrillContext platform, string resource, int port)
    {
        await platform.StopAsync(resource).ConfigureAwait(false);
        for (var attempt = 0; attempt < 600 && await AcceptsAsync(port).ConfigureAwait(false); attempt++)
        {
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts a datastore through the AppHost. Returns when it first answered (probed every 50 ms, as <c>pg_ctl start</c>
    /// and a PING loop did before) and when the AppHost's health check saw it healthy, which lags by up to its interval.
    /// </summary>
    private static async Task<(double Up, double Healthy)> StartAsync(DrillContext platform, string resource, Func<Task<bool>> answers)
    {
        var start = platform.StartAsync(resource);
        double? up = null;
        while (up is null)
        {
            if (await answers().ConfigureAwait(false))
            {
                up = platform.Clock.Elapsed.TotalSeconds;
            }
            else if (start.IsCompleted)
            {
                await start.ConfigureAwait(false);
            }
            else
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }

        await start.ConfigureAwait(false);
        return (up.Value, platform.Clock.Elapsed.TotalSeconds);
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<bool> AcceptsPostgresAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync().ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return false;
        }
    }

    private static async Task<bool> AnswersPingAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray()).ConfigureAwait(false);
            var answer = new byte[7];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var read = await stream.ReadAsync(answer, timeout.Token).ConfigureAwait(false);
            return read >= 5 && answer.AsSpan(0, 5).SequenceEqual("+PONG"u8);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>End time of the first success of a call started after <paramref name="after"/>, within 60 s.</summary>
    internal static async Task<double?> FirstSuccessAfterAsync(SteadyLoad load, double after, Func<CallOutcome, bool> which)
    {
        bool Found(IReadOnlyList<CallOutcome> outcomes) => outcomes.Any(o => o.Start >= after && o.Kind == CallKind.Success && which(o));
        if (!await load.WaitForAsync(Found, TimeSpan.FromSeconds(60)).ConfigureAwait(false))
        {
            return null;
        }

        return load.Snapshot().Where(o => o.Start >= after && o.Kind == CallKind.Success && which(o)).Min(o => o.End);
    }

    internal static string Kinds(IReadOnlyCollection<CallOutcome> outcomes) => outcomes.Count == 0
        ? "no calls"
        : string.Join(", ", outcomes.GroupBy(o => o.Label).OrderByDescending(g => g.Count()).Select(g => $"{g.Count():N0} {g.Key}"));

    /// <summary>One example answer per failure kind, so the report shows what a client actually gets.</summary>
    internal static string Detail(IReadOnlyCollection<CallOutcome> outcomes)
    {
        var examples = outcomes.Where(o => o.Detail is not null).GroupBy(o => o.Label).Select(g => $"{g.Key}: `{g.First().Detail!.Replace('\n', ' ').Replace('`', '\'')}`").ToList();
        return examples.Count == 0 ? "" : " — e.g. " + string.Join("; ", examples);
    }

    internal static string Count(IEnumerable<CallOutcome> outcomes, CallKind kind) =>
        outcomes.Count(o => o.Kind == kind).ToString("N0", CultureInfo.InvariantCulture);

    private static string Seconds(double? at, double from) =>
        at is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value - from:F1} s") : "never (within 60 s)";
}
