using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.Bench.Drills;

/// <summary>
/// What a drill works on: the platform (<see cref="BenchPlatform"/>: the AppHost on Aspire's test host, as the tests and
/// the bench start it) with a second ToolExecution replica, and the admin calls a drill needs to create keys, revoke
/// them and check the audit trail afterwards. Crashes, restarts and outages go through the AppHost (<see cref="KillAsync"/>, <see cref="StartAsync(string)"/>, <see cref="StopAsync"/>).
/// </summary>
public sealed class DrillContext : IAsyncDisposable
{
    public const string FlakyUpstream = "flaky";

    /// <summary>The first ToolExecution process; it fails open when Redis is down (the default).</summary>
    public const string ToolExecution = BenchPlatform.ToolExecution;

    /// <summary>The second ToolExecution process; it fails closed when Redis is down.</summary>
    public const string Replica = "tool-execution-2";

    private static readonly string[] WriteRole = ["write"];

    private int _clients;
    private long _auditHead;

    private readonly BenchPlatform _platform;

    private DrillContext(BenchPlatform platform, string upstreamMarker)
    {
        _platform = platform;
        UpstreamMarker = upstreamMarker;
        AdminKey = platform.AdminKey;
    }

    /// <summary>Every service process of the platform, the replica included, by resource name.</summary>
    public IReadOnlyList<string> Services => _platform.Services;

    public string AdminKey { get; }

    /// <summary>On the command line of every flaky upstream process, so the drill can find them in /proc.</summary>
    public string UpstreamMarker { get; }

    public HttpClient Http { get; } = DrillClient.CreateHttpClient(TimeSpan.FromSeconds(10));

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public Uri Auth => _platform.Url(BenchPlatform.Auth);

    public Uri Audit => _platform.Url(BenchPlatform.Audit);

    /// <summary>The services' (and PostgreSQL's and Redis's) log lines, the admin key masked.</summary>
    public string RecentOutput(int lines = 60) => _platform.Output(lines);

    /// <summary>The log lines so far, kept so a failed drill can be investigated.</summary>
    public void SaveOutput(string path) => File.WriteAllText(path, _platform.Output());

    /// <summary>The service's own process (under the <c>dotnet run</c> that DCP starts).</summary>
    public int ProcessId(string service) => _platform.ProcessId(service);

    /// <summary>SIGKILL, as a crash ends a process; returns once it is gone.</summary>
    public Task KillAsync(string service) => _platform.KillAsync(service);

    /// <summary>Starts a killed or stopped resource again through the AppHost (same port, same settings); returns once it is healthy.</summary>
    public Task StartAsync(string resource) => _platform.StartAsync(resource);

    /// <summary>Stops a resource through the AppHost's stop command (SIGTERM), as an operator would from the dashboard.</summary>
    public Task StopAsync(string resource) => _platform.StopAsync(resource);

    /// <summary>The connection string of the platform's database.</summary>
    public string Database => _platform.Database;

    /// <summary>The platform's Redis.</summary>
    public string Redis => _platform.Redis!;

    public static async Task<DrillContext> StartPlatformAsync(string flakyScript)
    {
        var marker = "--platform-drill-" + Guid.NewGuid().ToString("N")[..12];
        Console.WriteLine("starting the platform (the AppHost on Aspire's test host, Release services) with a second tool-execution replica that fails closed when Redis is down");
        var platform = await BenchPlatform.StartAsync(
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
            replicas: [new(Replica, new Dictionary<string, string> { ["RateLimits__OnRedisFailure"] = "FailClosed" })]).ConfigureAwait(false);
        return new DrillContext(platform, marker);
    }

    /// <summary>Each client numbers its calls from 1, so its tag gets a suffix that keeps messages unique across clients.</summary>
    public DrillClient Client(string toolExecution, string key, string tag) =>
        new(Http, new Uri(_platform.Url(toolExecution), "/mcp"), key, tag + "." + Interlocked.Increment(ref _clients).ToString(CultureInfo.InvariantCulture), Clock);

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
        await _platform.DisposeAsync().ConfigureAwait(false);
        Http.Dispose();
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
