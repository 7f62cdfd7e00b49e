using Platform.Testing;
using System.Net;

namespace Platform.Auth.Tests.People;

public sealed class SecretsStayOutTests(AuthApp app) : IClassFixture<AuthApp>
{
    [Fact]
    public async Task No_password_or_invitation_token_reaches_a_log_line_an_event_or_the_admin_api()
    {
        var (tenantId, email, invitation) = await app.MemberAsync();
        var token = invitation.Url[(invitation.Url.LastIndexOf('/') + 1)..];
        using var browser = new PersonBrowser(app);
        const string wrong = "a wrong password that must not be logged";
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SignInAsync(email, wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SignInAsync(wrong, PeopleAdmin.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SignInAsync(email, PeopleAdmin.Password)).StatusCode);
        await Poll.ValueAsync(() => app.QueuedAuditEventsAsync("platform.auth.sign-in-failed.v1", invitation.PersonId), f => f.Count >= 1, TimeSpan.FromSeconds(20));

        var members = await app.Admin.GetStringAsync($"/admin/tenants/{tenantId}/members");
        var events = await app.AllQueuedAuditEventsAsync();

        Assert.NotEmpty(events);
        foreach (var text in events.Append(members).Concat(app.Logs.Raw))
        {
            Assert.DoesNotContain(PeopleAdmin.Password, text, StringComparison.Ordinal);
            Assert.DoesNotContain(wrong, text, StringComparison.Ordinal);
            Assert.DoesNotContain("argon2id", text, StringComparison.Ordinal);
        }

        // The request log prints the invitation URL; the redaction every log provider sits behind masks its token.
        Assert.All(events.Append(members).Concat(app.Logs.Redacted), text => Assert.DoesNotContain(token, text, StringComparison.Ordinal));
    }
}
