using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Platform.Authentication;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The platform with every Platform log category at Debug, so that the scan sees as much as an operator who turned
/// logging up could, and with webhooks allowed to reach a loopback receiver.
/// </summary>
public sealed class VerbosePlatform(PlatformInfrastructure infrastructure) : RunningPlatform(infrastructure)
{
    protected override IReadOnlyDictionary<string, string> EnvironmentForAll { get; } = new Dictionary<string, string>
    {
        ["Logging__LogLevel__Default"] = "Debug",
        ["Audit__Webhooks__AllowLoopbackForTests"] = "true",
        ["Audit__Webhooks__InitialRetryDelayMs"] = "100",
    };
}

/// <summary>
/// Security drill of issue 8: a full run through every credential the platform hands out or accepts — API keys
/// (issued, rotated, revoked), a tenant admin key, an OAuth access token, a webhook secret and its signed delivery —
/// used the right way and the wrong ways an attacker would (garbage, wrong checksum, query string, forged token, header
/// injection), then a scan of all service logs of the run for each secret. It must find none.
/// </summary>
public sealed class SecretsInLogsDrillTests(VerbosePlatform platform) : IClassFixture<VerbosePlatform>
{
    [Fact]
    public async Task No_issued_key_token_or_secret_appears_in_any_service_log_of_a_full_run()
    {
        var ct = TestContext.Current.CancellationToken;
        var secrets = new List<(string What, string Value)> { ("bootstrap admin key", platform.AdminKey), ("service key", platform.ServiceKey) };
        await using var receiver = await WebhookReceiver.StartAsync(ct);
        using var auth = platform.Client(RunningPlatform.Auth, platform.AdminKey);
        var tenant = "logscan" + Guid.NewGuid().ToString("N")[..8];
        (await auth.PostAsJsonAsync("/admin/tenants", new { id = tenant, name = "Log scan" }, ct)).EnsureSuccessStatusCode();

        var (tenantAdmin, _) = await IssueAsync(auth, tenant, new { name = "admin", roles = new[] { "admin" } }, ct);
        var (caller, callerId) = await IssueAsync(auth, tenant, new { name = "caller", scopes = new[] { "tools:list", "tools:call" } }, ct);
        secrets.Add(("tenant admin key", tenantAdmin));
        secrets.Add(("caller key", caller));

        // A webhook for the tenant: its secret is shown once, and every delivery is signed with it.
        using var audit = platform.Client(RunningPlatform.Audit, tenantAdmin);
        var webhook = await (await audit.PostAsJsonAsync("/audit/webhooks", new { url = receiver.Url, events = new[] { "*" } }, ct))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct);
        secrets.Add(("webhook secret", webhook.GetProperty("secret").GetString()!));

        // The right ways: the key, then an access token obtained with it.
        using var mcp = new HttpClient { BaseAddress = platform.Url(RunningPlatform.ToolExecution) };
        Assert.Equal(HttpStatusCode.OK, (await E2E.PostAsync(mcp, caller, EchoWith("password: hunter2 " + caller), ct)).StatusCode);
        using var anonymousAuth = platform.Client(RunningPlatform.Auth, null);
        var token = (await (await anonymousAuth.PostAsync("/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_secret"] = caller,
        }), ct)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("access_token").GetString()!;
        secrets.Add(("access token", token));
        secrets.Add(("access token signature", token.Split('.')[2]));
        Assert.Equal(HttpStatusCode.OK, (await E2E.PostAsync(mcp, token, EchoWith("with a token"), ct)).StatusCode);

        // The wrong ways.
        var forged = token[..token.LastIndexOf('.')] + ".AAAA" + token[(token.LastIndexOf('.') + 5)..];
        foreach (var credential in new[] { caller[..^1] + (caller[^1] == 'A' ? 'B' : 'A'), "mcp_live_garbage", forged })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await E2E.PostAsync(mcp, credential, EchoWith("x"), ct)).StatusCode);
        }

        using (var inQuery = new HttpRequestMessage(HttpMethod.Post, $"/mcp?api_key={caller}") { Content = new StringContent(EchoWith("q"), Encoding.UTF8, "application/json") })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await mcp.SendAsync(inQuery, ct)).StatusCode);
        }

        // Auth's key verification answers the platform's services only (they present the service key, so every call
        // above went through): a caller holding a valid key still cannot test it there, nor guess the service key.
        foreach (var serviceKey in new string?[] { null, "svc_guess", platform.ServiceKey[..^1] })
        {
            using var verify = new HttpRequestMessage(HttpMethod.Post, "/internal/keys/verify") { Content = JsonContent.Create(new { key = caller, clientIp = "127.0.0.1" }) };
            if (serviceKey is not null)
            {
                verify.Headers.Add(ServiceCredential.HeaderName, serviceKey);
            }

            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymousAuth.SendAsync(verify, ct)).StatusCode);
        }

        using (var injected = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(EchoWith("i"), Encoding.UTF8, "application/json") })
        {
            injected.Headers.TryAddWithoutValidation("Authorization", $"Bearer {caller}, Bearer {tenantAdmin}");
            Assert.True((int)(await mcp.SendAsync(injected, ct)).StatusCode is 400 or 401);
        }

        // Rotation hands out a new secret; revocation ends the old and fires the webhook.
        var rotated = await (await auth.PostAsJsonAsync($"/admin/keys/{callerId}/rotate", new { }, ct))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct);
        var rotatedKey = rotated.GetProperty("key").GetString()!;
        secrets.Add(("rotated key", rotatedKey));
        Assert.Equal(HttpStatusCode.OK, (await E2E.PostAsync(mcp, rotatedKey, EchoWith("rotated"), ct)).StatusCode);
        (await auth.PostAsJsonAsync($"/admin/keys/{callerId}/revoke", new { reason = "log scan" }, ct)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, await EventuallyRefusedAsync(mcp, rotatedKey, ct));
        var delivery = await receiver.FirstDeliveryAsync(TimeSpan.FromSeconds(60));
        secrets.Add(("webhook signature", delivery.Signature));

        // Every line each service wrote during the run, as Aspire collected it from the processes' consoles. The
        // AppHost's own output is not among them: it prints the bootstrap admin key once, on purpose, for the operator
        // who started it.
        var logs = await platform.ServiceLogsAsync(ct);
        Assert.Equal([RunningPlatform.Audit, RunningPlatform.Auth, RunningPlatform.ToolExecution], logs.Keys.Order(StringComparer.Ordinal));
        Assert.All(logs, log => Assert.False(string.IsNullOrWhiteSpace(log.Value), $"{log.Key} logged nothing"));
        Assert.True(logs.Values.Sum(l => l.Length) > 10_000, "the scan needs the services' logs");
        var hits = (from log in logs from secret in secrets where log.Value.Contains(secret.Value, StringComparison.Ordinal) select $"{secret.What} in {log.Key}").ToList();
        Assert.True(hits.Count == 0, "found in the logs: " + string.Join(", ", hits));
        // Keys are also looked for without their public prefix and id, in case a log printed only the secret part.
        Assert.All(logs, log => Assert.All(new[] { caller, rotatedKey, tenantAdmin }, key => Assert.DoesNotContain(key[^40..], log.Value, StringComparison.Ordinal)));
    }

    private static async Task<(string Key, string Id)> IssueAsync(HttpClient auth, string tenant, object request, CancellationToken ct)
    {
        var issued = await (await auth.PostAsJsonAsync($"/admin/tenants/{tenant}/keys", request, ct))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct);
        return (issued.GetProperty("key").GetString()!, issued.GetProperty("apiKey").GetProperty("keyId").GetString()!);
    }

    private static string EchoWith(string message) =>
        JsonSerializer.Serialize(new { jsonrpc = "2.0", id = 1, method = "tools/call", @params = new { name = "echo", arguments = new { message } } });

    private static async Task<HttpStatusCode> EventuallyRefusedAsync(HttpClient mcp, string key, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var status = (await E2E.PostAsync(mcp, key, EchoWith("after revoke"), ct)).StatusCode;
            if (status != HttpStatusCode.OK || attempt == 50)
            {
                return status;
            }

            await Task.Delay(100, ct);
        }
    }

    /// <summary>A loopback HTTP endpoint that keeps the signature of each webhook delivery.</summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<(string Signature, string Body)> _deliveries = new();

        private WebhookReceiver(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";

        public static async Task<WebhookReceiver> StartAsync(CancellationToken ct)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new WebhookReceiver(app);
            app.MapPost("/hook", async (HttpRequest request) =>
            {
                using var reader = new StreamReader(request.Body);
                receiver._deliveries.Enqueue((request.Headers["Platform-Signature"].ToString(), await reader.ReadToEndAsync()));
                return Results.Ok();
            });
            await app.StartAsync(ct);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            receiver.Url = address + "/hook";
            return receiver;
        }

        public async Task<(string Signature, string Body)> FirstDeliveryAsync(TimeSpan timeout)
        {
            await Poll.UntilAsync(() => !_deliveries.IsEmpty, timeout, "a webhook delivery arrives");
            _deliveries.TryPeek(out var delivery);
            return delivery;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
