using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Audit.Apis;
using Platform.Audit.Chain;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Contracts;
using Platform.Contracts.RateLimits;
using Platform.Contracts.ToolCalls;
using Platform.Authentication;
using Platform.Testing;
using Wolverine;
using AuditProgram = Platform.Audit.Program;
using AuthProgram = Platform.Auth.Program;

namespace Platform.Audit.Tests;

/// <summary>Audit in-process on its own database, authenticating callers through an in-process Auth.</summary>
public class AuditApp(PlatformInfrastructure infrastructure) : IAsyncLifetime
{
    public const string AdminKey = "mcp_admin_audit-tests-bootstrap-key-0123456789";

    public ServiceHost<AuthProgram> Auth { get; private set; } = null!;
    public ServiceHost<AuditProgram> Audit { get; private set; } = null!;
    public string Database { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Database = await infrastructure.NewDatabaseAsync("audit");
        Auth = new ServiceHost<AuthProgram>(InProcessAuth.Settings(Database, AdminKey));
        var settings = new Dictionary<string, string?>(AuditSettings)
        {
            ["ConnectionStrings:postgres"] = Database,
            [ServiceCredential.ConfigurationKey] = InProcessAuth.ServiceKey,
        };
        var routeAuth = InProcessAuth.RouteAuthClientTo(Auth);
        Audit = new ServiceHost<AuditProgram>(settings, services =>
        {
            routeAuth(services);
            ConfigureAuditServices(services);
        })
        { UseFakeClock = false };
        _ = Auth.Server;
        _ = Audit.Server;
    }

    /// <summary>Settings for the Audit service on top of its database.</summary>
    protected virtual IReadOnlyDictionary<string, string?> AuditSettings => new Dictionary<string, string?>();

    /// <summary>Service replacements for the Audit service, such as a test resolver.</summary>
    protected virtual void ConfigureAuditServices(IServiceCollection services)
    {
    }

    public HttpClient Client(string key)
    {
        var client = Audit.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public async Task DeliverAsync(object message)
    {
        await using var scope = Audit.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMessageBus>().InvokeAsync(message, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Audit.DisposeAsync();
        await Auth.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

public sealed class AuditTrailTests(AuditApp app) : IClassFixture<AuditApp>
{
    private static ToolCallRecorded Call(string tenant, string tool = "echo") =>
        new(Guid.CreateVersion7(), Guid.CreateVersion7(), tool, ToolCallOutcomes.Completed, null, new string('a', 64), null, 1.5,
            new Actor(tenant, "key-" + tenant, "127.0.0.1"), DateTimeOffset.UtcNow, null);

    private async Task<List<AuditRecord>> RecordsAsync(string tenant)
    {
        using var admin = app.Client(AuditApp.AdminKey);
        var page = await admin.GetFromJsonAsync<AuditApi.AuditRecordsPage>($"/audit/records?tenant={tenant}&limit=500");
        return [.. page!.Records];
    }

    [Fact]
    public async Task Rate_limiter_redis_outage_events_become_system_records_with_their_mode()
    {
        var node = "tool-execution-" + Guid.NewGuid().ToString("N")[..8] + "/42";
        var since = DateTimeOffset.UtcNow.AddSeconds(-30);
        await app.DeliverAsync(new RateLimiterRedisUnavailable(Guid.CreateVersion7(), node, RedisFailureModes.FailOpen, "connection", since, since, null));
        await app.DeliverAsync(new RateLimiterRedisUnavailable(Guid.CreateVersion7(), node, RedisFailureModes.FailClosed, "connection", since, since.AddSeconds(1), null));
        await app.DeliverAsync(new RateLimiterRedisRecovered(Guid.CreateVersion7(), node, since, 12, 3, since.AddSeconds(30), null));

        using var admin = app.Client(AuditApp.AdminKey);
        var unavailable = (await admin.GetFromJsonAsync<AuditApi.AuditRecordsPage>("/audit/records?action=ratelimit.redis_unavailable&limit=500"))!
            .Records.Where(r => r.Target == "node:" + node).ToList();
        var recovered = Assert.Single((await admin.GetFromJsonAsync<AuditApi.AuditRecordsPage>("/audit/records?action=ratelimit.redis_recovered&limit=500"))!
            .Records, r => r.Target == "node:" + node);

        Assert.Equal(["fail_open", "fail_closed"], unavailable.OrderBy(r => r.Seq).Select(r => JsonDocument.Parse(r.Details!).RootElement.GetProperty("mode").GetString()));
        Assert.All(unavailable, r => Assert.Equal("failure", r.Outcome));
        Assert.All(unavailable, r => Assert.Equal("system", r.KeyId));
        Assert.Null(recovered.TenantId);
        Assert.Equal("success", recovered.Outcome);
        var details = JsonDocument.Parse(recovered.Details!).RootElement;
        Assert.Equal(12, details.GetProperty("failOpenDecisions").GetInt64());
        Assert.Equal(3, details.GetProperty("failClosedDecisions").GetInt64());
    }

    [Fact]
    public async Task A_persons_call_names_the_person_and_the_client_and_the_records_filter_by_them()
    {
        var tenant = "people-" + Guid.NewGuid().ToString("N")[..8];
        var person = "p_" + Guid.NewGuid().ToString("N")[..26];
        var client = "https://client.example/" + Guid.NewGuid().ToString("N");
        var byPerson = Call(tenant) with { Actor = new Actor(tenant, null, "127.0.0.1", person, client) };
        var bySamePersonElsewhere = Call(tenant) with { Actor = new Actor(tenant, null, "127.0.0.1", person, "other-client") };
        var byKey = Call(tenant);
        foreach (var call in (ToolCallRecorded[])[byPerson, bySamePersonElsewhere, byKey])
        {
            await app.DeliverAsync(call);
        }

        using var admin = app.Client(AuditApp.AdminKey);
        var ofPerson = (await admin.GetFromJsonAsync<AuditApi.AuditRecordsPage>($"/audit/records?person={person}"))!.Records;
        var ofClient = (await admin.GetFromJsonAsync<AuditApi.AuditRecordsPage>($"/audit/records?client={Uri.EscapeDataString(client)}"))!.Records;

        Assert.Equal([byPerson.EventId, bySamePersonElsewhere.EventId], ofPerson.Select(r => r.EventId));
        var record = Assert.Single(ofClient);
        Assert.Equal((person, client, (string?)null, tenant), (record.PersonId, record.ClientId, record.KeyId, record.TenantId));
        var all = await RecordsAsync(tenant);
        Assert.Null(all.Single(r => r.EventId == byKey.EventId).PersonId);
        // Person and client are inside each record's hash. Not /audit/verify: another test of this class edits the
        // shared chain on purpose.
        Assert.All(all, r => Assert.True(Platform.Audit.Chain.AuditHasher.HashMatches(r), $"record {r.Seq} does not hash to its content"));
    }

    [Fact]
    public async Task Same_event_delivered_twice_is_recorded_once()
    {
        var tenant = "dup-" + Guid.NewGuid().ToString("N")[..8];
        var call = Call(tenant);

        await app.DeliverAsync(call);
        await app.DeliverAsync(call);

        var records = await RecordsAsync(tenant);
        Assert.Single(records);
        Assert.Equal("tool:echo", records[0].Target);
    }

    [Fact]
    public async Task The_calls_of_one_commit_become_one_record_each_and_a_redelivery_adds_none()
    {
        var tenant = "batch-" + Guid.NewGuid().ToString("N")[..8];
        var calls = new[] { Call(tenant, "echo"), Call(tenant, "fs_read"), Call(tenant, "http_fetch") };
        var alreadyAlone = calls[1];

        await app.DeliverAsync(alreadyAlone);
        await app.DeliverAsync(new ToolCallsRecorded(calls));
        await app.DeliverAsync(new ToolCallsRecorded(calls));

        var records = await RecordsAsync(tenant);
        Assert.Equal(["tool:echo", "tool:fs_read", "tool:http_fetch"], records.Select(r => r.Target).Order());
        Assert.Equal(calls.Select(c => c.EventId).Order(), records.Select(r => r.EventId).Order());
    }

    [Fact]
    public async Task Verify_reports_the_first_record_edited_directly_in_the_database()
    {
        var tenant = "tamper-" + Guid.NewGuid().ToString("N")[..8];
        await app.DeliverAsync(Call(tenant));
        await app.DeliverAsync(Call(tenant));
        using var admin = app.Client(AuditApp.AdminKey);
        Assert.True((await admin.GetFromJsonAsync<VerificationReport>("/audit/verify"))!.Ok);

        var victim = (await RecordsAsync(tenant))[0];
        await using (var connection = new NpgsqlConnection(app.Database))
        {
            await connection.OpenAsync();
            await using var update = new NpgsqlCommand(
                "update audit.chain_records set outcome = 'failed' where seq = @seq", connection);
            update.Parameters.AddWithValue("seq", victim.Seq);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        var report = (await admin.GetFromJsonAsync<VerificationReport>("/audit/verify"))!;
        Assert.False(report.Ok);
        Assert.Equal(victim.Seq, report.FirstBrokenSeq);
    }

    [Fact]
    public async Task Tenant_key_with_audit_read_sees_only_its_own_tenant()
    {
        using var authAdmin = app.Auth.CreateClient();
        authAdmin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AuditApp.AdminKey);
        var own = "own-" + Guid.NewGuid().ToString("N")[..8];
        (await authAdmin.PostAsJsonAsync("/admin/tenants", new { id = own, name = "Own" })).EnsureSuccessStatusCode();
        var issued = await (await authAdmin.PostAsJsonAsync($"/admin/tenants/{own}/keys", new { name = "reader", scopes = new[] { "audit:read" } }))
            .Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var key = issued.GetProperty("key").GetString()!;
        await app.DeliverAsync(Call(own));
        await app.DeliverAsync(Call("someone-else"));

        using var reader = app.Client(key);
        var page = (await reader.GetFromJsonAsync<AuditApi.AuditRecordsPage>("/audit/records?limit=500"))!;
        var otherTenant = await reader.GetAsync("/audit/records?tenant=someone-else");

        Assert.NotEmpty(page.Records);
        Assert.All(page.Records, r => Assert.Equal(own, r.TenantId));
        Assert.Equal(HttpStatusCode.Forbidden, otherTenant.StatusCode);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=100000")]
    [InlineData("cursor=not-a-cursor")]
    [InlineData("from=yesterday")]
    public async Task Bad_query_parameters_get_400_problem_details(string query)
    {
        using var admin = app.Client(AuditApp.AdminKey);

        var response = await admin.GetAsync("/audit/records?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
