using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.AppHost.Model;
using Platform.AppHost.Orchestration;
using Platform.Provisioning;

namespace Platform.Bench.Drills;

/// <summary>
/// The three services as Release processes started by the AppHost's own orchestration code, on local PostgreSQL and
/// redis-server that the drills may stop, plus a second ToolExecution replica. Everything a drill needs to create
/// keys, break things and check the audit trail afterwards.
/// </summary>
public sealed class DrillPlatform : IAsyncDisposable
{
    public const string FlakyUpstream = "flaky";
    private static readonly string[] WriteRole = ["write"];

    private readonly CancellationTokenSource _stop = new();
    private readonly StringWriter _output = new();
    private readonly DirectoryInfo _data;
    private Task<int>? _run;
    private int _clients;
    private long _auditHead;

    private DrillPlatform(PostgresResource postgres, RedisResource redis, DirectoryInfo data, string upstreamMarker)
    {
        Postgres = postgres;
        Redis = redis;
        _data = data;
        UpstreamMarker = upstreamMarker;
    }

    public PostgresResource Postgres { get; }

    public RedisResource Redis { get; }

    public ServiceControl Control { get; private set; } = null!;

    public Dictionary<string, RunningService> Services { get; } = [];

    /// <summary>The second ToolExecution process; it fails closed when Redis is down, the first fails open.</summary>
    public RunningService Replica { get; set; } = null!;

    public string AdminKey { get; private set; } = "";

    /// <summary>On the command line of every flaky upstream process, so the drill can find them in /proc.</summary>
    public string UpstreamMarker { get; }

    public HttpClient Http { get; } = DrillClient.CreateHttpClient(TimeSpan.FromSeconds(10));

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public Uri Auth => Services[PlatformModel.Auth].Url;

    public Uri Audit => Services[PlatformModel.Audit].Url;

    public RunningService ToolExecution
    {
        get => Services[PlatformModel.ToolExecution];
        set => Services[PlatformModel.ToolExecution] = value;
    }

    public string RecentOutput(int lines = 60) => string.Join('\n', Output().Split('\n').TakeLast(lines));

    /// <summary>The services' log lines, kept so a failed drill can be investigated.</summary>
    public void SaveOutput(string path) => File.WriteAllText(path, Output());

    /// <summary>Services redact their logs, but the AppHost prints the bootstrap admin key once at startup.</summary>
    private string Output() => AdminKey.Length == 0 ? _output.ToString() : _output.ToString().Replace(AdminKey, "[admin key]", StringComparison.Ordinal);

    public static async Task<DrillPlatform> StartAsync(string repositoryRoot, PostgresResource postgres, RedisResource redis, string flakyScript)
    {
        var data = Directory.CreateTempSubdirectory("platform-drills-apphost-");
        var marker = "--platform-drill-" + Guid.NewGuid().ToString("N")[..12];
        var platform = new DrillPlatform(postgres, redis, data, marker);
        var ready = new TaskCompletionSource<ServiceControl>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = ReleasePlatform.Options(
            repositoryRoot,
            data,
            await postgres.CreateDatabaseAsync("drills_" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false),
            redis.ConnectionString,
            PlatformModel.Services,
            new Dictionary<string, string>
            {
                // Limits that never deny, so every refusal a drill sees comes from the fault it injected.
                ["Auth__Plans__drill__RequestsPerMinutePerKey"] = "1000000",
                ["Auth__Plans__drill__RequestsPerMinutePerTenant"] = "1000000",
                ["Auth__Plans__drill__RequestsPerMinutePerKeyAndTool"] = "1000000",
                ["Auth__Plans__drill__ConcurrentCallsPerKey"] = "10000",
                // The revocation and Auth drills make thousands of failed authentications from 127.0.0.1 on purpose;
                // the per-IP limit would turn their 401s into 429s and hide what is being measured.
                ["RateLimits__AuthFailuresPerMinutePerIp"] = "1000000",
                [$"Upstreams__{FlakyUpstream}__Command"] = "node",
                [$"Upstreams__{FlakyUpstream}__Args__0"] = flakyScript,
                [$"Upstreams__{FlakyUpstream}__Args__1"] = marker,
                [$"Upstreams__{FlakyUpstream}__Timeout"] = "00:00:02",
                [$"Upstreams__{FlakyUpstream}__MaxOutputBytes"] = "65536",
                [$"Upstreams__{FlakyUpstream}__MaxRestartBackoff"] = "00:00:01",
            },
            platform._output,
            services =>
            {
                foreach (var service in services)
                {
                    platform.Services[service.Resource.Name] = service;
                }
            },
            control => ready.TrySetResult(control));

        Console.WriteLine("starting the platform (Release build, real processes)");
        platform._run = Task.Run(() => AppHostRunner.RunAsync(options, platform._stop.Token));
        var first = await Task.WhenAny(ready.Task, platform._run, Task.Delay(TimeSpan.FromMinutes(3))).ConfigureAwait(false);
        if (first != ready.Task)
        {
            throw new InvalidOperationException("The platform did not become ready:\n" + platform.RecentOutput());
        }

        platform.Control = await ready.Task.ConfigureAwait(false);
        platform.AdminKey = (await File.ReadAllTextAsync(Path.Combine(data.FullName, Platform.AppHost.Resources.AdminKey.FileName)).ConfigureAwait(false)).Trim();
        Console.WriteLine("starting a second tool-execution replica (fails closed when Redis is down)");
        platform.Replica = await platform.Control.StartReplicaAsync(PlatformModel.ToolExecution, new Dictionary<string, string>
        {
            ["RateLimits__OnRedisFailure"] = "FailClosed",
        }).ConfigureAwait(false);
        return platform;
    }

    /// <summary>Each client numbers its calls from 1, so its tag gets a suffix that keeps messages unique across clients.</summary>
    public DrillClient Client(RunningService toolExecution, string key, string tag) =>
        new(Http, new Uri(toolExecution.Url, "/mcp"), key, tag + "." + Interlocked.Increment(ref _clients).ToString(CultureInfo.InvariantCulture), Clock);

    /// <summary>
    /// The seq of the newest audit record. Audit appends in one writer and lags the load; a drill's own records only
    /// appear after everything before them, so "has Audit caught up" is judged on the whole chain, not one tenant.
    /// </summary>
    public async Task<long> AuditHeadAsync()
    {
        while (true)
        {
            using var response = await Admin(HttpMethod.Get, new Uri(Audit, "/audit/records?limit=500&cursor=" + _auditHead.ToString(CultureInfo.InvariantCulture)), null).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
            var records = page.RootElement.GetProperty("records");
            if (records.GetArrayLength() == 0)
            {
                return _auditHead;
            }

            _auditHead = records[records.GetArrayLength() - 1].GetProperty("seq").GetInt64();
            if (records.GetArrayLength() < 500)
            {
                return _auditHead;
            }
        }
    }

    public async Task CreateTenantAsync(string tenant)
    {
        using var response = await Admin(HttpMethod.Post, new Uri(Auth, "/admin/tenants"), new { id = tenant, name = tenant, plan = "drill" }).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <returns>The key (shown once) and its public id.</returns>
    public async Task<(string Key, string KeyId)> IssueKeyAsync(string tenant)
    {
        using var response = await Admin(HttpMethod.Post, new Uri(Auth, $"/admin/tenants/{tenant}/keys"), new { name = "drill", roles = WriteRole }).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
        return (body.RootElement.GetProperty("key").GetString()!, body.RootElement.GetProperty("apiKey").GetProperty("keyId").GetString()!);
    }

    public async Task RevokeAsync(string keyId)
    {
        using var response = await Admin(HttpMethod.Post, new Uri(Auth, $"/admin/keys/{keyId}/revoke"), new { reason = "failure drill" }).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The echo message of every <c>tool.call</c> record of the tenant's echo calls, with how often each appears.</summary>
    public async Task<Dictionary<string, int>> AuditedEchoMessagesAsync(string tenant)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var query = $"/audit/records?tenant={tenant}&action=tool.call&tool=echo&limit=500" + (cursor is null ? "" : "&cursor=" + cursor);
            using var response = await Admin(HttpMethod.Get, new Uri(Audit, query), null).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
            foreach (var record in page.RootElement.GetProperty("records").EnumerateArray())
            {
                if (MessageOf(record) is { } message)
                {
                    counts[message] = counts.GetValueOrDefault(message) + 1;
                }
            }

            cursor = page.RootElement.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);

        return counts;
    }

    /// <summary>GET /audit/verify as the platform operator: ok, records checked, first broken seq.</summary>
    public async Task<(bool Ok, long Checked, string Raw)> VerifyChainAsync()
    {
        using var response = await Admin(HttpMethod.Get, new Uri(Audit, "/audit/verify"), null).ConfigureAwait(false);
        var raw = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return (false, 0, $"HTTP {(int)response.StatusCode}: {raw}");
        }

        using var body = JsonDocument.Parse(raw);
        return (body.RootElement.GetProperty("ok").GetBoolean(), body.RootElement.GetProperty("checked").GetInt64(), raw);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            await _run.ConfigureAwait(false);
        }

        Http.Dispose();
        _stop.Dispose();
        try
        {
            _data.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<HttpResponseMessage> Admin(HttpMethod method, Uri uri, object? body)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await Http.SendAsync(request).ConfigureAwait(false);
    }

    /// <summary>Details hold the redacted arguments as a JSON string; the drill's messages contain nothing redaction masks.</summary>
    private static string? MessageOf(JsonElement record)
    {
        if (!record.TryGetProperty("details", out var details) || details.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        using var parsed = JsonDocument.Parse(details.GetString()!);
        if (!parsed.RootElement.TryGetProperty("arguments", out var arguments))
        {
            return null;
        }

        var argumentsJson = arguments.ValueKind == JsonValueKind.String ? arguments.GetString()! : arguments.GetRawText();
        using var args = JsonDocument.Parse(argumentsJson);
        return args.RootElement.TryGetProperty("message", out var message) ? message.GetString() : null;
    }
}
