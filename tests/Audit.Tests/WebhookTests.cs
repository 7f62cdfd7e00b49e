using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Platform.Audit.Apis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Testing;

namespace Platform.Audit.Tests;

/// <summary>Audit + Auth with loopback receivers allowed (test-only switch) and fast retries: 3 attempts, 100 ms then 200 ms.</summary>
public sealed class WebhookAuditApp(PlatformInfrastructure infrastructure) : AuditApp(infrastructure)
{
    protected override IReadOnlyDictionary<string, string?> AuditSettings => new Dictionary<string, string?>
    {
        ["Audit:Webhooks:AllowLoopbackForTests"] = "true",
        ["Audit:Webhooks:MaxAttempts"] = "3",
        ["Audit:Webhooks:InitialRetryDelayMs"] = "100",
    };
}

/// <summary>A receiver on 127.0.0.1 that answers 500 to its first <c>failures</c> requests.</summary>
public sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _failuresLeft;

    public ConcurrentQueue<(string Signature, string Body)> Received { get; } = new();
    private int _attempts;

    public int Attempts => Volatile.Read(ref _attempts);

    private Receiver(WebApplication app, int failures)
    {
        _app = app;
        _failuresLeft = failures;
    }

    public string Url => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";

    public static async Task<Receiver> StartAsync(int failures = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new Receiver(app, failures);
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref receiver._attempts);
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Decrement(ref receiver._failuresLeft) >= 0)
            {
                return Results.StatusCode(500);
            }

            receiver.Received.Enqueue((request.Headers["Platform-Signature"].ToString(), body));
            return Results.Ok();
        });
        await app.StartAsync();
        return receiver;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

public sealed class WebhookTests(WebhookAuditApp app) : IClassFixture<WebhookAuditApp>
{
    private static string NewTenant() => "hook-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<CreatedHook> RegisterAsync(string tenant, string url, params string[] events)
    {
        using var admin = app.Client(AuditApp.AdminKey);
        var response = await admin.PostAsJsonAsync("/audit/webhooks", new { url, events, tenant }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedHook>(TestContext.Current.CancellationToken))!;
    }

    public sealed record CreatedHook(Guid Id, string Secret);

    /// <summary>The receiver side of docs/audit-chain.md: recompute, compare in constant time, reject stale timestamps.</summary>
    private static bool SignatureIsValid(string header, string body, string secret, DateTimeOffset now)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var t = long.Parse(parts["t"], System.Globalization.CultureInfo.InvariantCulture);
        if (Math.Abs(now.ToUnixTimeSeconds() - t) > 300)
        {
            return false;
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(parts["t"] + "." + body));
        return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(parts["v1"]));
    }

    [Fact]
    public async Task Delivery_is_signed_as_documented_and_carries_the_record()
    {
        await using var receiver = await Receiver.StartAsync();
        var tenant = NewTenant();
        var hook = await RegisterAsync(tenant, receiver.Url, "tool.*");

        await app.DeliverAsync(ChainDatabase.Call(tenant));
        await Poll.UntilAsync(() => !receiver.Received.IsEmpty, TimeSpan.FromSeconds(15), "a delivery arrived", TimeSpan.FromMilliseconds(50));

        var (signature, body) = receiver.Received.Single();
        Assert.True(SignatureIsValid(signature, body, hook.Secret, DateTimeOffset.UtcNow));
        Assert.False(SignatureIsValid(signature, body, hook.Secret, DateTimeOffset.UtcNow.AddMinutes(6)));
        var record = JsonDocument.Parse(body).RootElement;
        Assert.Equal("tool.call", record.GetProperty("action").GetString());
        Assert.Equal(tenant, record.GetProperty("tenantId").GetString());
    }

    [Fact]
    public async Task Failing_receiver_gets_retries_until_it_answers()
    {
        await using var receiver = await Receiver.StartAsync(failures: 2);
        var tenant = NewTenant();
        await RegisterAsync(tenant, receiver.Url, "*");

        await app.DeliverAsync(ChainDatabase.Call(tenant));

        await Poll.UntilAsync(() => !receiver.Received.IsEmpty, TimeSpan.FromSeconds(15), "the third attempt arrived", TimeSpan.FromMilliseconds(50));
        Assert.Equal(3, receiver.Attempts);
    }

    [Fact]
    public async Task Delivery_is_dead_lettered_after_the_configured_attempts()
    {
        await using var receiver = await Receiver.StartAsync(failures: int.MaxValue);
        var tenant = NewTenant();
        var hook = await RegisterAsync(tenant, receiver.Url, "tool.call");

        await app.DeliverAsync(ChainDatabase.Call(tenant));

        await Poll.UntilAsync(async () => await DeadLettersForAsync(hook.Id) > 0, TimeSpan.FromSeconds(15), "a dead letter appeared");

        Assert.Equal(3, receiver.Attempts);
    }

    private async Task<long> DeadLettersForAsync(Guid endpointId)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(app.Database) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            "select count(*) from audit.wolverine_dead_letters where message_type = 'platform.audit.deliver-webhook.v1' and position(convert_to(@id, 'UTF8') in body) > 0", connection);
        command.Parameters.AddWithValue("id", endpointId.ToString("D"));
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    [Fact]
    public async Task Secret_is_shown_once_and_never_listed()
    {
        var tenant = NewTenant();
        var hook = await RegisterAsync(tenant, "http://127.0.0.1:9/hook", "key.revoked");
        using var admin = app.Client(AuditApp.AdminKey);

        var listed = await admin.GetStringAsync($"/audit/webhooks?tenant={tenant}", TestContext.Current.CancellationToken);
        var deleted = await admin.DeleteAsync($"/audit/webhooks/{hook.Id}", TestContext.Current.CancellationToken);
        var afterDelete = await admin.GetFromJsonAsync<WebhooksApi.WebhookList>($"/audit/webhooks?tenant={tenant}", TestContext.Current.CancellationToken);

        Assert.StartsWith("whsec_", hook.Secret, StringComparison.Ordinal);
        Assert.Contains(hook.Id.ToString("D"), listed, StringComparison.Ordinal);
        Assert.DoesNotContain(hook.Secret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", listed, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(afterDelete!.Webhooks);
    }

    [Fact]
    public async Task Tenant_admin_key_manages_only_its_own_tenants_webhooks()
    {
        using var authAdmin = app.Auth.CreateClient();
        authAdmin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AuditApp.AdminKey);
        var own = NewTenant();
        (await authAdmin.PostAsJsonAsync("/admin/tenants", new { id = own, name = "Own" }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var issued = await (await authAdmin.PostAsJsonAsync($"/admin/tenants/{own}/keys", new { name = "ops", scopes = new[] { "admin" } }, TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        using var tenantAdmin = app.Client(issued.GetProperty("key").GetString()!);
        var foreign = await RegisterAsync(NewTenant(), "http://127.0.0.1:9/hook", "*");

        var created = await tenantAdmin.PostAsJsonAsync("/audit/webhooks", new { url = "http://127.0.0.1:9/own", events = new[] { "*" } }, TestContext.Current.CancellationToken);
        var forOtherTenant = await tenantAdmin.PostAsJsonAsync("/audit/webhooks", new { url = "http://127.0.0.1:9/x", events = new[] { "*" }, tenant = "someone-else" }, TestContext.Current.CancellationToken);
        var deleteForeign = await tenantAdmin.DeleteAsync($"/audit/webhooks/{foreign.Id}", TestContext.Current.CancellationToken);
        var listed = await tenantAdmin.GetFromJsonAsync<WebhooksApi.WebhookList>("/audit/webhooks", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forOtherTenant.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deleteForeign.StatusCode);
        Assert.All(listed!.Webhooks, w => Assert.Equal(own, w.TenantId));
        Assert.Single(listed.Webhooks);
    }

    [Theory]
    [InlineData("http://10.0.0.5/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("ftp://example.com/hook")]
    [InlineData("not a url")]
    public async Task Private_or_non_http_url_gets_400_problem_details(string url)
    {
        using var admin = app.Client(AuditApp.AdminKey);

        var response = await admin.PostAsJsonAsync("/audit/webhooks", new { url, events = new[] { "*" }, tenant = NewTenant() }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
