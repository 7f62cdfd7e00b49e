using Platform.Testing;
using System.Net;
using System.Text.RegularExpressions;
using OtpNet;

namespace Platform.Auth.Tests.People;

public sealed partial class TotpTests(AuthApp app) : IClassFixture<AuthApp>
{
    [Fact]
    public async Task Enrolled_totp_is_required_at_sign_in_and_a_code_is_never_accepted_twice()
    {
        var (_, email, invitation) = await app.MemberAsync();
        using var browser = new PersonBrowser(app);
        await browser.SignInAsync(email, PeopleAdmin.Password);

        var enrol = await browser.GetAsync("/account/totp");
        Assert.Equal(HttpStatusCode.OK, enrol.Response.StatusCode);
        Assert.Contains("otpauth://totp/", enrol.Html, StringComparison.Ordinal);
        var secret = SecretPattern().Match(enrol.Html).Groups[1].Value;
        var totp = new Totp(Base32Encoding.ToBytes(secret));
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostAsync(enrol, "/account/totp", ("code", "000000"))).StatusCode);
        var enrolCode = totp.ComputeTotp(app.Host.Clock.GetUtcNow().UtcDateTime);
        var enabled = await browser.PostAsync(enrol, "/account/totp", ("code", enrolCode));
        Assert.Equal(HttpStatusCode.SeeOther, enabled.StatusCode);
        Assert.Equal(["otp", "pwd"], browser.SessionPrincipal().FindAll("amr").Select(c => c.Value).Order());

        using var later = new PersonBrowser(app);
        var passwordStep = await later.SignInAsync(email, PeopleAdmin.Password);
        Assert.Equal(HttpStatusCode.OK, passwordStep.StatusCode);
        Assert.Null(later.SessionCookie);
        var codeForm = new PersonBrowser.Page(passwordStep, await passwordStep.Content.ReadAsStringAsync());
        Assert.NotNull(codeForm.Field("ticket"));

        var replayed = await later.PostAsync(codeForm, "/account/signin", ("ticket", codeForm.Field("ticket")!), ("code", enrolCode));
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Null(later.SessionCookie);

        app.Host.Clock.Advance(TimeSpan.FromSeconds(30));
        var retryForm = new PersonBrowser.Page(replayed, await replayed.Content.ReadAsStringAsync());
        var fresh = await later.PostAsync(retryForm, "/account/signin", ("ticket", retryForm.Field("ticket")!), ("code", totp.ComputeTotp(app.Host.Clock.GetUtcNow().UtcDateTime)));
        Assert.Equal(HttpStatusCode.SeeOther, fresh.StatusCode);
        Assert.Equal(["otp", "pwd"], later.SessionPrincipal().FindAll("amr").Select(c => c.Value).Order());

        var failures = await Poll.ValueAsync(() => app.QueuedAuditEventsAsync("platform.auth.sign-in-failed.v1", invitation.PersonId), f => f.Count >= 1, TimeSpan.FromSeconds(20));
        Assert.Contains("wrong_code", Assert.Single(failures), StringComparison.Ordinal);
        var changes = await Poll.ValueAsync(() => app.QueuedAuditEventsAsync("platform.auth.member-credential-changed.v1", invitation.PersonId), c => c.Count >= 2, TimeSpan.FromSeconds(20));
        Assert.Contains(changes, c => c.Contains("totp_enabled", StringComparison.Ordinal));

        // The enrolment ended every other session of the person (the browser that enrolled got a new one).
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account")).Response.StatusCode);
        var codes = new[] { enrolCode, totp.ComputeTotp(app.Host.Clock.GetUtcNow().UtcDateTime) };
        Assert.All(await app.AllQueuedAuditEventsAsync(), body =>
        {
            Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
            Assert.DoesNotContain(PeopleAdmin.Password, body, StringComparison.Ordinal);
        });
        Assert.All(app.Logs.Raw, line =>
        {
            Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
            Assert.DoesNotContain(PeopleAdmin.Password, line, StringComparison.Ordinal);
            Assert.DoesNotContain("code=" + codes[0], line, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Totp_is_switched_off_only_with_a_current_code_and_then_sign_in_needs_the_password_alone()
    {
        var (_, email, _) = await app.MemberAsync();
        using var browser = new PersonBrowser(app);
        await browser.SignInAsync(email, PeopleAdmin.Password);
        var enrol = await browser.GetAsync("/account/totp");
        var totp = new Totp(Base32Encoding.ToBytes(SecretPattern().Match(enrol.Html).Groups[1].Value));
        await browser.PostAsync(enrol, "/account/totp", ("code", totp.ComputeTotp(app.Host.Clock.GetUtcNow().UtcDateTime)));
        app.Host.Clock.Advance(TimeSpan.FromSeconds(30));

        var enabled = await browser.GetAsync("/account/totp");
        Assert.Contains("is on", enabled.Html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostAsync(enabled, "/account/totp/disable", ("code", "123456"))).StatusCode);
        var disabled = await browser.PostAsync(enabled, "/account/totp/disable", ("code", totp.ComputeTotp(app.Host.Clock.GetUtcNow().UtcDateTime)));
        Assert.Equal(HttpStatusCode.SeeOther, disabled.StatusCode);

        using var later = new PersonBrowser(app);
        Assert.Equal(HttpStatusCode.SeeOther, (await later.SignInAsync(email, PeopleAdmin.Password)).StatusCode);
    }

    [Fact]
    public async Task The_totp_page_needs_a_signed_in_person()
    {
        using var browser = new PersonBrowser(app);

        var page = await browser.GetAsync("/account/totp");

        Assert.Equal(HttpStatusCode.Redirect, page.Response.StatusCode);
        Assert.StartsWith("/account/signin?returnUrl=", page.Response.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [GeneratedRegex("secret=([A-Z2-7]+)")]
    private static partial Regex SecretPattern();
}
