using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Provisioning;
using Platform.Testing;
using StackExchange.Redis;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The platform on the AppHost's own Redis (its local redis-server resource), which a test stops and starts again with
/// Aspire's resource commands (stopping the test run's shared Redis would break tests running in parallel). Two
/// ToolExecution processes: the AppHost's fails open, the second (another project resource) fails closed.
/// </summary>
public sealed class PlatformWithStoppableRedis(PlatformInfrastructure infrastructure) : RunningPlatform(infrastructure)
{
    public const string FailOpenReplica = ToolExecution;
    public const string FailClosedReplica = "tool-execution-fail-closed";

    protected override bool OwnRedis => true;

    protected override IReadOnlyList<string> ToolExecutionReplicas { get; } = [FailClosedReplica];

    /// <summary>A plan small enough to exhaust in a few calls, to show that both processes share one budget again.</summary>
    public const string SmallPlan = "drill";

    protected override IReadOnlyDictionary<string, string> EnvironmentForAll { get; } = new Dictionary<string, string>
    {
        [$"Auth__Plans__{SmallPlan}__RequestsPerMinutePerKey"] = "3",
    };

    protected override IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> EnvironmentByService { get; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [FailOpenReplica] = new Dictionary<string, string> { ["RateLimits__OnRedisFailure"] = "FailOpen" },
            [FailClosedReplica] = new Dictionary<string, string> { ["RateLimits__OnRedisFailure"] = "FailClosed" },
        };
}

public sealed class RedisOutageTests(PlatformWithStoppableRedis platform) : IClassFixture<PlatformWithStoppableRedis>
{
    [Fact]
    public async Task Redis_stopped_mid_run_fails_open_and_closed_as_configured_audits_each_mode_once_and_recovers_without_a_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, key) = await E2E.TenantWithKeyAsync(platform, null, ct);
        using var failOpen = platform.Client(PlatformWithStoppableRedis.FailOpenReplica, null);
        using var failClosed = platform.Client(PlatformWithStoppableRedis.FailClosedReplica, null);
        using var audit = platform.Client(RunningPlatform.Audit, platform.AdminKey);
        var openNode = Node(PlatformWithStoppableRedis.FailOpenReplica);
        var closedNode = Node(PlatformWithStoppableRedis.FailClosedReplica);
        Assert.Equal(HttpStatusCode.OK, (await E2E.PostAsync(failOpen, key, E2E.EchoCall(1), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await E2E.PostAsync(failClosed, key, E2E.EchoCall(2), ct)).StatusCode);

        await platform.AppHost.StopAsync(PlatformDatastores.Redis, ct);

        for (var i = 0; i < 5; i++)
        {
            // Fail-open: the local limiter admits (600 per minute on the default plan, one replica configured).
            Assert.Equal(HttpStatusCode.OK, (await E2E.PostAsync(failOpen, key, E2E.EchoCall(i), ct)).StatusCode);

            // Fail-closed: 503 with Retry-After and a JSON-RPC error, and the tool does not run.
            var refused = await E2E.PostAsync(failClosed, key, E2E.EchoCall(i), ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            Assert.Equal("unavailable", JsonDocument.Parse(await refused.Content.ReadAsStringAsync(ct)).RootElement
                .GetProperty("error").GetProperty("data").GetProperty("limit").GetString());
        }

        // A key the fail-closed process has not verified yet meets the failed-authentication check, whose policy fails
        // open (its default): the guess is still looked up, and refused as unknown.
        Assert.Equal(HttpStatusCode.Unauthorized, (await E2E.PostAsync(failClosed, "mcp_test_" + Guid.NewGuid().ToString("N"), E2E.EchoCall(9), ct)).StatusCode);

        await platform.AppHost.StartAsync(PlatformDatastores.Redis, ct);

        // Both processes find Redis again on their own (circuit cooldown, then one probe): the fail-closed one admits
        // again, which it can only do with Redis, and each reports its recovery once.
        var recovered = await Poll.ValueAsync(async () =>
        {
            await E2E.PostAsync(failOpen, key, E2E.EchoCall(0), ct);
            var admitted = (await E2E.PostAsync(failClosed, key, E2E.EchoCall(0), ct)).StatusCode == HttpStatusCode.OK;
            var records = await RecordsAsync(audit, "ratelimit.redis_recovered", ct);
            return admitted && records.Any(r => Target(r) == openNode) && records.Any(r => Target(r) == closedNode) ? records : null;
        }, records => records is not null, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
        Assert.True(recovered is not null, "not recovered before the deadline");

        // Recovery is published after the outage's reports, in order, so every report is in the chain by now: one per
        // mode and process, however many requests each mode decided.
        var unavailable = await RecordsAsync(audit, "ratelimit.redis_unavailable", ct);
        Assert.Equal(["fail_open"], ModesOf(unavailable, openNode));
        // Modes belong to policies: the fail-closed process also met the failed-authentication check (fail-open), so it
        // reports both.
        Assert.Equal(["fail_closed", "fail_open"], ModesOf(unavailable, closedNode).Order());
        // Each record names the trace of the request that met the outage, so an operator can follow it.
        Assert.All(unavailable.Where(r => Target(r) == openNode || Target(r) == closedNode),
            r => Assert.Matches("^[0-9a-f]{32}$", r.GetProperty("traceId").GetString()));
        var closedRecovery = JsonDocument.Parse(recovered.Single(r => Target(r) == closedNode).GetProperty("details").GetString()!).RootElement;
        Assert.True(closedRecovery.GetProperty("failClosedDecisions").GetInt64() >= 5);
        Assert.Single(recovered, r => Target(r) == openNode);

        // Normal limiting resumed, without restarting a service: a fresh key of 3 calls a minute is spent across both
        // processes. The fail-open process's local limiter would still admit its 3rd call; only Redis refuses it.
        var (smallTenant, smallKey) = await E2E.TenantWithKeyAsync(platform, PlatformWithStoppableRedis.SmallPlan, ct);
        var statuses = new List<HttpStatusCode>();
        foreach (var replica in new[] { failOpen, failClosed, failOpen, failClosed, failOpen })
        {
            statuses.Add((await E2E.PostAsync(replica, smallKey, E2E.EchoCall(3), ct)).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(platform.RedisConnectionString);
        var budget = new List<RedisKey>();
        await foreach (var k in redis.GetServers()[0].KeysAsync(pattern: $"rl:gcra:{{t:{smallTenant}}}:key:*"))
        {
            budget.Add(k);
        }

        // The key's spent budget lives in Redis with a TTL. (Its per key and tool state, far from spent, has expired by
        // now: a GCRA key lives only until its budget is whole again.)
        var perKey = Assert.Single(budget, k => !k.ToString().Contains(":tool:", StringComparison.Ordinal));
        Assert.True(await redis.GetDatabase().KeyTimeToLiveAsync(perKey) > TimeSpan.Zero);
    }

    /// <summary>How ToolExecution names itself in these events: host name and process id.</summary>
    private string Node(string service) => $"node:{Environment.MachineName}/{platform.ProcessId(service)}";

    private static string Target(JsonElement record) => record.GetProperty("target").GetString()!;

    private static List<string> ModesOf(List<JsonElement> records, string node) =>
        [.. records.Where(r => Target(r) == node)
            .Select(r => JsonDocument.Parse(r.GetProperty("details").GetString()!).RootElement.GetProperty("mode").GetString()!)];

    private static async Task<List<JsonElement>> RecordsAsync(HttpClient audit, string action, CancellationToken ct) =>
        [.. (await audit.GetFromJsonAsync<JsonElement>($"/audit/records?action={action}&limit=500", ct)).GetProperty("records").EnumerateArray()];
}
