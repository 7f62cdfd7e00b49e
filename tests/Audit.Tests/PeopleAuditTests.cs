using System.Net.Http.Json;
using System.Text.Json;
using Platform.Audit.Apis;
using Platform.Contracts;
using Platform.Contracts.Auth;

namespace Platform.Audit.Tests;

public sealed class PeopleAuditTests(AuditApp app) : IClassFixture<AuditApp>
{
    [Fact]
    public async Task Member_and_sign_in_events_become_records_named_by_person_with_no_secret()
    {
        var tenant = "people-" + Guid.NewGuid().ToString("N")[..8];
        var person = "p_01" + Guid.NewGuid().ToString("N")[..24];
        var now = DateTimeOffset.UtcNow;
        var actor = new Actor(tenant, null, "192.0.2.7", person);
        await app.DeliverAsync(new MemberInvited(Guid.CreateVersion7(), person, tenant, "ada@example.test", "Ada", ["write"], "inv_1", now.AddDays(7),
            new Actor(tenant, "key-admin", "192.0.2.1"), now, null));
        await app.DeliverAsync(new MemberJoined(Guid.CreateVersion7(), person, tenant, "inv_1", actor, now, null));
        await app.DeliverAsync(new MemberCredentialChanged(Guid.CreateVersion7(), person, tenant, "password_set", actor, now, null));
        await app.DeliverAsync(new SignInSucceeded(Guid.CreateVersion7(), person, tenant, ["pwd"], actor, now, null));
        await app.DeliverAsync(new SignInFailed(Guid.CreateVersion7(), person, tenant, SignInFailures.WrongPassword, actor, now, null));
        await app.DeliverAsync(new SignInLockedOut(Guid.CreateVersion7(), person, tenant, now.AddMinutes(1), 5, actor, now, null));
        await app.DeliverAsync(new MemberRolesChanged(Guid.CreateVersion7(), person, tenant, ["read"], ["write"], actor, now, null));
        await app.DeliverAsync(new MemberRemoved(Guid.CreateVersion7(), person, tenant, actor, now, null));

        using var admin = app.Client(AuditApp.AdminKey);
        var records = (await admin.GetFromJsonAsync<AuditApi.AuditRecordsPage>($"/audit/records?tenant={tenant}&limit=500"))!.Records;

        Assert.Equal(
            ["member.invited", "member.joined", "member.password_set", "signin.succeeded", "signin.failed", "signin.locked_out", "member.roles_changed", "member.removed"],
            records.OrderBy(r => r.Seq).Select(r => r.Action));
        Assert.All(records, r => Assert.Equal("person:" + person, r.Target));
        Assert.Equal(["failure", "failure"], records.Where(r => r.Action.StartsWith("signin.f", StringComparison.Ordinal) || r.Action == "signin.locked_out").Select(r => r.Outcome));
        Assert.Equal("wrong_password", JsonDocument.Parse(records.Single(r => r.Action == "signin.failed").Details!).RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_sign_in_with_an_unknown_email_is_recorded_against_the_client_address()
    {
        var ip = "198.51.100." + Random.Shared.Next(1, 255);
        await app.DeliverAsync(new SignInFailed(Guid.CreateVersion7(), null, null, SignInFailures.UnknownAccount, new Actor(null, null, ip), DateTimeOffset.UtcNow, null));

        using var admin = app.Client(AuditApp.AdminKey);
        var records = (await admin.GetFromJsonAsync<AuditApi.AuditRecordsPage>("/audit/records?action=signin.failed&limit=500"))!.Records;

        Assert.Contains(records, r => r.Target == "ip:" + ip && r.Outcome == "failure");
    }
}
