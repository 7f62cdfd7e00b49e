using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Platform.Provisioning.Processes;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The shipped Prometheus rules and Grafana dashboard checked against a real Prometheus (Debian's package) scraping
/// the running platform: every metric they name is exported, and the key queries return data.
/// </summary>
public sealed partial class ObservabilityTests(RunningPlatform platform) : IClassFixture<RunningPlatform>
{
    [Fact]
    public async Task Every_metric_named_by_the_alerts_and_dashboard_is_exported_by_a_running_service()
    {
        var ct = TestContext.Current.CancellationToken;
        await GenerateTrafficAsync(ct);
        var root = Repository.Root;
        var assets = await File.ReadAllTextAsync(Path.Combine(root, "deploy", "observability", "platform-alerts.yml"), ct)
            + await File.ReadAllTextAsync(Path.Combine(root, "deploy", "observability", "grafana-dashboard.json"), ct);
        var named = MetricName().Matches(NotEmittedRules().Replace(YamlComment().Replace(assets, ""), "")).Select(m => m.Value).ToHashSet();
        Assert.Contains("platform_tool_calls_total", named);

        await using var prometheus = await PrometheusServer.StartAsync(platform.Services.Select(platform.Url), ct);
        var missing = await Poll.ValueAsync(
            async () =>
            {
                var exported = await prometheus.MetricNamesAsync(ct);
                return named.Where(n => !exported.Contains(n)).ToList();
            },
            stillMissing => stillMissing.Count == 0, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));
        Assert.Empty(missing);
        Assert.NotEmpty(await prometheus.QueryAsync("sum by (tool, outcome) (platform_tool_calls_total)", ct));
        Assert.NotEmpty(await prometheus.QueryAsync("sum by (outcome, limit) (platform_ratelimit_decisions_total)", ct));
        Assert.NotEmpty(await prometheus.QueryAsync("sum(platform_audit_lag_seconds_count)", ct));
        Assert.NotEmpty(await prometheus.QueryAsync("sum by (reason) (platform_auth_failures_total)", ct));
        // Every service is up, judged by the last scrape of each: a scrape that overlapped a busy moment may have timed
        // out, so wait for the next ones rather than read one instant.
        var healthy = await Poll.ValueAsync(async () => (await prometheus.QueryAsync("up == 1", ct)).Count, up => up >= 3,
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
        Assert.Equal(3, healthy);
    }

    /// <summary>Calls, a refused credential, and a verification that finds a tampered record.</summary>
    private async Task GenerateTrafficAsync(CancellationToken ct)
    {
        using var auth = platform.Client("auth", platform.AdminKey);
        (await auth.PostAsJsonAsync("/admin/tenants", new { id = "observed", name = "Observed" }, ct)).EnsureSuccessStatusCode();
        var key = (await (await auth.PostAsJsonAsync("/admin/tenants/observed/keys", new { name = "o", roles = new[] { "write" } }, ct))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("key").GetString()!;
        foreach (var bearer in new[] { key, key, "mcp_live_bogus" })
        {
            using var mcp = platform.Client("tool-execution", bearer);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
            {
                Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"m"}}}""", System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            await mcp.SendAsync(request, ct);
        }

        using var audit = platform.Client("audit", platform.AdminKey);
        // Without records the tamper below changes nothing, and the verify assertion after it fails.
        await Poll.ValueAsync(async () => (await audit.GetFromJsonAsync<JsonElement>("/audit/records?action=tool.call", ct)).GetProperty("records").GetArrayLength(),
            records => records >= 2, TimeSpan.FromSeconds(20));

        await using (var connection = new NpgsqlConnection(platform.PostgresConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var tamper = new NpgsqlCommand("update audit.chain_records set outcome = 'forged' where seq = 1", connection);
            await tamper.ExecuteNonQueryAsync(ct);
        }

        Assert.False((await audit.GetFromJsonAsync<JsonElement>("/audit/verify", ct)).GetProperty("ok").GetBoolean());
    }

    [GeneratedRegex(@"^\s*#.*$", RegexOptions.Multiline)]
    private static partial Regex YamlComment();

    [GeneratedRegex(@"\b(platform_[a-z0-9_]+|http_server_[a-z0-9_]+)\b")]
    private static partial Regex MetricName();

    /// <summary>Rules labelled <c>metric_status: not_emitted</c> name metrics no service exports yet, on purpose.</summary>
    [GeneratedRegex(@"- alert:(?:(?!- alert:).)*?metric_status: not_emitted(?:(?!- alert:).)*", RegexOptions.Singleline)]
    private static partial Regex NotEmittedRules();

    private sealed class PrometheusServer : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly DirectoryInfo _data;
        private readonly HttpClient _http;

        private PrometheusServer(Process process, DirectoryInfo data, Uri url)
        {
            _process = process;
            _data = data;
            _http = new HttpClient { BaseAddress = url };
        }

        public static async Task<PrometheusServer> StartAsync(IEnumerable<Uri> targets, CancellationToken ct)
        {
            var data = Directory.CreateTempSubdirectory("platform-prometheus-");
            var config = Path.Combine(data.FullName, "prometheus.yml");
            await File.WriteAllTextAsync(config, $"""
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: platform
                    static_configs:
                      - targets: [{string.Join(", ", targets.Select(t => $"'{t.Authority}'"))}]
                """, ct);
            var port = FreePort.Next();
            var info = new ProcessStartInfo("prometheus") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(data.FullName, "tsdb")}", $"--web.listen-address=127.0.0.1:{port}" })
            {
                info.ArgumentList.Add(argument);
            }

            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new PrometheusServer(process, data, new Uri($"http://127.0.0.1:{port}"));
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                try
                {
                    if ((await server._http.GetAsync("/-/ready", ct)).IsSuccessStatusCode)
                    {
                        return server;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(200, ct);
            }

            await server.DisposeAsync();
            throw new InvalidOperationException("Prometheus did not become ready within 30 s");
        }

        public async Task<HashSet<string>> MetricNamesAsync(CancellationToken ct) =>
            [.. (await _http.GetFromJsonAsync<JsonElement>("/api/v1/label/__name__/values", ct)).GetProperty("data").EnumerateArray().Select(e => e.GetString()!)];

        public async Task<List<JsonElement>> QueryAsync(string query, CancellationToken ct) =>
            [.. (await _http.GetFromJsonAsync<JsonElement>("/api/v1/query?query=" + Uri.EscapeDataString(query), ct))
                .GetProperty("data").GetProperty("result").EnumerateArray()];

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            _data.Delete(recursive: true);
        }
    }
}
