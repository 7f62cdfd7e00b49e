using System.Net;
using System.Net.Http.Json;
using Platform.Audit.Apis;
using Platform.Audit.Chain;
using Platform.Audit.Checkpoints;
using Platform.Audit.Export;
using Platform.Testing;

namespace Platform.Audit.Tests;

/// <summary>Audit + Auth with a checkpoint every 4 records; the chain is never damaged here.</summary>
public sealed class ExportAuditApp(PlatformInfrastructure infrastructure) : AuditApp(infrastructure)
{
    protected override IReadOnlyDictionary<string, string?> AuditSettings => new Dictionary<string, string?>
    {
        ["Audit:Checkpoints:EveryRecords"] = "4",
    };
}

public sealed class ExportTests(ExportAuditApp app) : IClassFixture<ExportAuditApp>
{
    private async Task<string> ExportAsync(string query = "")
    {
        for (var i = 0; i < 10; i++)
        {
            await app.DeliverAsync(ChainDatabase.Call("export-" + (i % 2)));
        }

        using var admin = app.Client(AuditApp.AdminKey);
        var response = await admin.GetAsync("/audit/export?format=ndjson" + query, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(NdjsonExport.ContentType, response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    private async Task<CheckpointKeyRing> PublishedKeysAsync()
    {
        using var anonymous = app.Audit.CreateClient();
        var keys = (await anonymous.GetFromJsonAsync<AuditApi.CheckpointKeys>("/audit/checkpoint-keys", TestContext.Current.CancellationToken))!;
        return CheckpointKeyRing.FromPem([.. keys.Keys.Select(k => k.PublicKeyPem)]);
    }

    private static Task<VerificationReport> VerifyOfflineAsync(string export, CheckpointKeyRing keys, bool partial = false) =>
        OfflineVerifier.VerifyAsync(new StringReader(export), keys, partial, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Full_export_verifies_offline_against_the_published_key()
    {
        var export = await ExportAsync();

        var report = await VerifyOfflineAsync(export, await PublishedKeysAsync());

        Assert.True(report.Ok, report.Reason);
        Assert.True(report.Checked >= 10);
        Assert.Contains("\"type\":\"checkpoint\"", export, StringComparison.Ordinal);
        Assert.NotNull(report.SignedThroughSeq);
    }

    [Fact]
    public async Task Export_names_person_and_client_only_where_set_and_verifies_offline()
    {
        var person = "p_" + Guid.NewGuid().ToString("N")[..26];
        var byPerson = ChainDatabase.Call("export-people") with { Actor = new Platform.Contracts.Actor("export-people", null, null, person, "cimd-client") };
        await app.DeliverAsync(byPerson);

        var export = await ExportAsync();
        var report = await VerifyOfflineAsync(export, await PublishedKeysAsync());

        Assert.True(report.Ok, report.Reason);
        var lines = export.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var personLine = Assert.Single(lines, l => l.Contains(byPerson.EventId.ToString(), StringComparison.Ordinal));
        Assert.Contains($"\"personId\":\"{person}\",\"clientId\":\"cimd-client\"", personLine, StringComparison.Ordinal);
        Assert.All(lines.Where(l => l.Contains("\"type\":\"record\"", StringComparison.Ordinal) && l != personLine),
            l => Assert.DoesNotContain("personId", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Export_edited_after_download_fails_offline_verification_at_the_edited_record()
    {
        var lines = (await ExportAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var victim = Array.FindIndex(lines, l => l.Contains("\"seq\":3,", StringComparison.Ordinal) && l.Contains("\"type\":\"record\"", StringComparison.Ordinal));
        lines[victim] = lines[victim].Replace("\"outcome\":\"completed\"", "\"outcome\":\"failed\"", StringComparison.Ordinal);

        var report = await VerifyOfflineAsync(string.Join('\n', lines), await PublishedKeysAsync());

        Assert.False(report.Ok);
        Assert.Equal(3, report.FirstBrokenSeq);
    }

    [Fact]
    public async Task Export_checked_with_another_key_fails_at_the_first_checkpoint()
    {
        var export = await ExportAsync();
        using var stranger = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);

        var report = await VerifyOfflineAsync(export, CheckpointKeyRing.FromPem(stranger.ExportSubjectPublicKeyInfoPem()));

        Assert.False(report.Ok);
        Assert.Contains("signature", report.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tenant_export_holds_only_that_tenant_and_verifies_only_as_partial()
    {
        var export = await ExportAsync("&tenant=export-1");
        var keys = await PublishedKeysAsync();

        var records = export.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(NdjsonExport.ParseLine).OfType<AuditRecord>().ToList();
        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.Equal("export-1", r.TenantId));
        Assert.False((await VerifyOfflineAsync(export, keys)).Ok);
        Assert.True((await VerifyOfflineAsync(export, keys, partial: true)).Ok);
    }

    [Fact]
    public async Task Verify_command_checks_an_export_file_without_a_database()
    {
        var directory = Directory.CreateTempSubdirectory("audit-verify-");
        try
        {
            var exportFile = Path.Combine(directory.FullName, "export.ndjson");
            var keyFile = Path.Combine(directory.FullName, "key.pem");
            await File.WriteAllTextAsync(exportFile, await ExportAsync(), TestContext.Current.CancellationToken);
            using var anonymous = app.Audit.CreateClient();
            var keys = (await anonymous.GetFromJsonAsync<AuditApi.CheckpointKeys>("/audit/checkpoint-keys", TestContext.Current.CancellationToken))!;
            await File.WriteAllTextAsync(keyFile, keys.Keys[0].PublicKeyPem, TestContext.Current.CancellationToken);

            var ok = await new VerifyCommand().Execute(new VerifyInput { ExportFile = exportFile, KeyFlag = [keyFile] });

            Assert.True(ok);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("format=csv")]
    [InlineData("")]
    [InlineData("format=ndjson&from=yesterday")]
    [InlineData("format=ndjson&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z")]
    public async Task Bad_export_parameters_get_400_problem_details(string query)
    {
        using var admin = app.Client(AuditApp.AdminKey);

        var response = await admin.GetAsync("/audit/export?" + query, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Tenant_key_exports_only_its_own_tenant()
    {
        using var authAdmin = app.Auth.CreateClient();
        authAdmin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AuditApp.AdminKey);
        var own = "exp-own-" + Guid.NewGuid().ToString("N")[..8];
        (await authAdmin.PostAsJsonAsync("/admin/tenants", new { id = own, name = "Own" }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var issued = await (await authAdmin.PostAsJsonAsync($"/admin/tenants/{own}/keys", new { name = "reader", scopes = new[] { "audit:read" } }, TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(TestContext.Current.CancellationToken);
        await app.DeliverAsync(ChainDatabase.Call(own));
        await app.DeliverAsync(ChainDatabase.Call("exp-someone-else"));
        using var reader = app.Client(issued.GetProperty("key").GetString()!);

        var export = await reader.GetStringAsync("/audit/export?format=ndjson", TestContext.Current.CancellationToken);
        var otherTenant = await reader.GetAsync("/audit/export?format=ndjson&tenant=exp-someone-else", TestContext.Current.CancellationToken);

        var records = export.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(NdjsonExport.ParseLine).OfType<AuditRecord>().ToList();
        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.Equal(own, r.TenantId));
        Assert.Contains("\"complete\":false", export.Split('\n')[0], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, otherTenant.StatusCode);
    }

    [Fact]
    public async Task Checkpoint_keys_are_public_and_name_their_key_id()
    {
        using var anonymous = app.Audit.CreateClient();

        var keys = (await anonymous.GetFromJsonAsync<AuditApi.CheckpointKeys>("/audit/checkpoint-keys", TestContext.Current.CancellationToken))!;

        var key = Assert.Single(keys.Keys);
        Assert.Equal("ES256", key.Alg);
        Assert.Equal(16, key.Kid.Length);
        Assert.DoesNotContain("PRIVATE", key.PublicKeyPem, StringComparison.Ordinal);
    }
}
