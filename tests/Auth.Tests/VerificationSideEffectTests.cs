using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Auth.Keys;
using Platform.Auth.Verification;
using Platform.Testing;

namespace Platform.Auth.Tests;

public sealed class VerificationSideEffectTests(AuthApp app) : IClassFixture<AuthApp>
{
    [Fact]
    public async Task Last_used_time_is_written_at_most_once_a_minute_per_key()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id);
        async Task<DateTimeOffset?> LastUsedAsync() =>
            (await app.Admin.GetFromJsonAsync<ApiKeyResponse>($"/admin/keys/{issued.ApiKey.KeyId}"))!.LastUsedAt;

        var firstUse = app.Host.Clock.GetUtcNow();
        await app.VerifyAsync(issued.Key);
        Assert.Equal(firstUse, await Poll.ValueAsync(LastUsedAsync, v => v is not null, TimeSpan.FromSeconds(20)));

        app.Host.Clock.Advance(TimeSpan.FromSeconds(30));
        await app.VerifyAsync(issued.Key);
        app.Host.Clock.Advance(TimeSpan.FromSeconds(31));
        var minuteLater = app.Host.Clock.GetUtcNow();
        await app.VerifyAsync(issued.Key);

        Assert.Equal(minuteLater, await Poll.ValueAsync(LastUsedAsync, v => v == minuteLater, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task A_flood_of_bad_keys_becomes_one_aggregated_audit_event_per_ip_and_reason()
    {
        var before = await CountQueuedFailuresAsync();
        for (var i = 0; i < 50; i++)
        {
            await app.VerifyAsync("mcp_live_not-a-key-" + i, "203.0.113.9");
        }

        await app.Host.Services.GetRequiredService<AuthenticationFailureAggregator>().FlushAsync();

        Assert.Equal(before + 1, await Poll.ValueAsync(CountQueuedFailuresAsync, n => n >= before + 1, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Scopes_patterns_and_allowlist_can_be_changed_and_apply_at_once()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id);

        var response = await app.Admin.PatchAsJsonAsync($"/admin/keys/{issued.ApiKey.KeyId}",
            new ChangeApiKeyRequest(["tools:list"], ["fs_*"], ["192.0.2.0/24"], issued.ApiKey.Version));
        var stale = await app.Admin.PatchAsJsonAsync($"/admin/keys/{issued.ApiKey.KeyId}",
            new ChangeApiKeyRequest(["admin"], null, null, issued.ApiKey.Version));
        var invalid = await app.Admin.PatchAsJsonAsync($"/admin/keys/{issued.ApiKey.KeyId}", new ChangeApiKeyRequest(null, null, ["not-a-cidr"], null));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var fromInside = await app.VerifyAsync(issued.Key, "192.0.2.10");
        Assert.Equal(["tools:list"], fromInside.Scopes);
        Assert.Equal(["fs_*"], fromInside.ToolPatterns);
        Assert.Equal("IP_NOT_ALLOWED", (await app.VerifyAsync(issued.Key, "198.51.100.1")).Status);
    }

    private async Task<long> CountQueuedFailuresAsync()
    {
        await using var connection = new NpgsqlConnection(app.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select count(*) from wolverine_queues.wolverine_queue_audit where message_type = 'platform.auth.authentication-failed.v1'", connection);
        try
        {
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }
}

public sealed class KeyExpiryTests(AuthApp app) : IClassFixture<AuthApp>
{
    [Fact]
    public async Task The_scheduled_expiry_reports_the_key_expired_only_once_its_time_has_come()
    {
        var tenant = await app.CreateTenantAsync();
        var expiresAt = app.Host.Clock.GetUtcNow().AddMinutes(10);
        var issued = await app.IssueKeyAsync(tenant.Id, new IssueApiKeyRequest("short-lived", ["tools:call"], null, null, null, expiresAt));
        await using var session = app.Host.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession();

        var early = await ExpireApiKeyHandler.Handle(new ExpireApiKey(issued.ApiKey.KeyId), session, app.Host.Clock, TestContext.Current.CancellationToken);
        app.Host.Clock.Advance(TimeSpan.FromMinutes(11));
        var due = await ExpireApiKeyHandler.Handle(new ExpireApiKey(issued.ApiKey.KeyId), session, app.Host.Clock, TestContext.Current.CancellationToken);

        Assert.Null(early);
        Assert.NotNull(due);
        Assert.Equal(issued.ApiKey.KeyId, due.KeyId);
        Assert.Equal(tenant.Id, due.TenantId);
        Assert.Equal(expiresAt, due.OccurredAt);
    }
}
