using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Platform.Provisioning.Processes;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// ToolExecution is SIGKILLed while 16 callers keep calling, then started again by Aspire with the same command line
/// and environment: every call that got an answer is in the audit chain exactly once, and the chain verifies. A call is
/// committed (its stream and its audit message) before its answer is written, so the kill can only lose calls
/// nobody got an answer for.
/// </summary>
public sealed class ToolExecutionCrashTests(RunningPlatform platform) : IClassFixture<RunningPlatform>
{
    private const int Callers = 16;

    [Fact]
    public async Task Every_call_answered_before_a_sigkill_is_audited_exactly_once_after_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = "tecrash-" + Guid.NewGuid().ToString("N")[..8];
        var key = await KeyAsync(tenant, ct);

        var answered = new ConcurrentBag<string>();
        var next = 0;
        using var stopCalling = new CancellationTokenSource();
        using var http = platform.Client(RunningPlatform.ToolExecution, null);
        var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            while (!stopCalling.IsCancellationRequested)
            {
                var message = E2E.UniqueMessage(Interlocked.Increment(ref next));
                if (await CallAsync(http, key, message) is true)
                {
                    answered.Add(message);
                }
            }
        })).ToList();

        var load = Stopwatch.StartNew();
        while (answered.Count < 150 && load.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(20, ct);
        }

        await platform.KillAsync(RunningPlatform.ToolExecution, ct);
        await stopCalling.CancelAsync();
        await Task.WhenAll(callers);
        var answeredBeforeKill = answered.ToHashSet(StringComparer.Ordinal);
        Assert.True(answeredBeforeKill.Count >= 150, $"only {answeredBeforeKill.Count} calls were answered before the kill");

        // The restarted node finds the dead one stale and sends the outbox messages it left behind.
        var restarted = await platform.RestartAsync(RunningPlatform.ToolExecution, ct);
        using var audit = platform.Client("audit", platform.AdminKey);
        var sinceRestart = Stopwatch.StartNew();
        var recorded = await Poll.ValueAsync(() => E2E.AuditedMessagesAsync(audit, tenant, ct),
            seen => answeredBeforeKill.All(seen.ContainsKey) || !PosixProcess.IsAlive(restarted), TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(250));

        var missing = answeredBeforeKill.Where(m => !recorded.ContainsKey(m)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {answeredBeforeKill.Count} answered calls have no audit record, e.g. {string.Join(", ", missing.Take(5))}\n{platform.RecentLogs(RunningPlatform.ToolExecution)}");
        Assert.All(answeredBeforeKill, m => Assert.Equal(1, recorded[m]));

        var report = await audit.GetFromJsonAsync<JsonElement>("/audit/verify", ct);
        Assert.True(report.GetProperty("ok").GetBoolean(), report.ToString());
        TestContext.Current.SendDiagnosticMessage(
            $"{answeredBeforeKill.Count} answered before the kill, {recorded.Count} recorded (calls committed but never answered may add some), all answered ones once, after {sinceRestart.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>True when the call was answered with its echo; false for any failure (the kill makes many).</summary>
    private static async Task<bool> CallAsync(HttpClient http, string key, string message)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":""" + "\"" + message + "\"}}}",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        try
        {
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode && body.Contains($"\"text\":\"{message}\"", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            return false;
        }
    }

    private async Task<string> KeyAsync(string tenant, CancellationToken ct)
    {
        using var auth = platform.Client("auth", platform.AdminKey);
        // Enterprise: 64 calls in flight and 6,000 a minute per key, so the limiter never refuses the 16 callers.
        (await auth.PostAsJsonAsync("/admin/tenants", new { id = tenant, name = "Crash", plan = "enterprise" }, ct)).EnsureSuccessStatusCode();
        var issued = await auth.PostAsJsonAsync($"/admin/tenants/{tenant}/keys", new { name = "load", roles = new[] { "write" } }, ct);
        return (await issued.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("key").GetString()!;
    }
}
