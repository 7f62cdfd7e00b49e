using Platform.Testing;
using System.Net;
using Platform.Auth.Account;

namespace Platform.Auth.Tests.People;

public sealed class SignInTests(AuthApp app) : IClassFixture<AuthApp>
{
    [Fact]
    public async Task A_wrong_password_and_an_unknown_email_get_the_same_generic_answer_and_are_audited()
    {
        var (_, email, invitation) = await app.MemberAsync();
        using var browser = new PersonBrowser(app);

        var wrongPassword = await browser.SignInAsync(email, "not the right password");
        var unknownEmail = await browser.SignInAsync(PeopleAdmin.NewEmail(), PeopleAdmin.Password);

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownEmail.StatusCode);
        Assert.Contains(SignInEndpoints.GenericFailure, await wrongPassword.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(SignInEndpoints.GenericFailure, await unknownEmail.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(browser.SessionCookie);
        var failures = await Poll.ValueAsync(() => app.QueuedAuditEventsAsync("platform.auth.sign-in-failed.v1", invitation.PersonId), f => f.Count >= 1, TimeSpan.FromSeconds(20));
        Assert.Contains("wrong_password", Assert.Single(failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_successful_sign_in_is_audited_with_its_methods()
    {
        var (_, email, invitation) = await app.MemberAsync();
        using var browser = new PersonBrowser(app);

        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SignInAsync(email, PeopleAdmin.Password)).StatusCode);

        // One from accepting the invitation, one from this sign-in.
        var successes = await Poll.ValueAsync(() => app.QueuedAuditEventsAsync("platform.auth.sign-in-succeeded.v1", invitation.PersonId), s => s.Count >= 2, TimeSpan.FromSeconds(20));
        Assert.All(successes, s => Assert.Contains("\"pwd\"", s, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("//evil.example/phish")]
    [InlineData("/\\evil.example/phish")]
    [InlineData("https://evil.example/phish")]
    [InlineData("javascript:alert(1)")]
    public async Task A_return_url_to_another_site_is_not_followed(string returnUrl)
    {
        var (_, email, _) = await app.MemberAsync();
        using var browser = new PersonBrowser(app);

        var response = await browser.SignInAsync(email, PeopleAdmin.Password, returnUrl);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/account", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_forged_or_missing_antiforgery_token_gets_a_400_page_and_no_session()
    {
        var (_, email, _) = await app.MemberAsync();
        using var browser = new PersonBrowser(app);
        var form = await browser.GetAsync(PersonAuthentication.SignInPath);

        var missing = await browser.Client.PostAsync(PersonAuthentication.SignInPath,
            new FormUrlEncodedContent([KeyValuePair.Create("email", email), KeyValuePair.Create("password", PeopleAdmin.Password)]));
        var forged = await browser.Client.PostAsync(PersonAuthentication.SignInPath, new FormUrlEncodedContent([
            KeyValuePair.Create("email", email), KeyValuePair.Create("password", PeopleAdmin.Password),
            KeyValuePair.Create("__antiforgery", form.Field("__antiforgery")![..^4] + "AAAA")]));
        using var otherBrowser = new PersonBrowser(app);
        var fromAnotherBrowser = await otherBrowser.PostAsync(form, PersonAuthentication.SignInPath, ("email", email), ("password", PeopleAdmin.Password));

        foreach (var response in new[] { missing, forged, fromAnotherBrowser })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith(PersonAuthentication.CookieName + "=", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task Account_pages_forbid_framing_caching_scripts_and_foreign_form_targets()
    {
        using var browser = new PersonBrowser(app);

        var page = await browser.GetAsync(PersonAuthentication.SignInPath);

        Assert.Equal(HttpStatusCode.OK, page.Response.StatusCode);
        var csp = string.Join(" ", page.Response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("style-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("form-action 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("base-uri 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", Assert.Single(page.Response.Headers.GetValues("X-Frame-Options")));
        Assert.Contains("no-store", page.Response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.All(System.Text.RegularExpressions.Regex.Matches(page.Html, "<script[^>]*>").Select(m => m.Value),
            tag => Assert.Equal($"<script src=\"{PasskeyEndpoints.ScriptPath}\" defer>", tag));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        var (_, email, _) = await app.MemberAsync();
        using var browser = new PersonBrowser(app);
        await browser.SignInAsync(email, PeopleAdmin.Password);
        var home = await browser.GetAsync("/account");
        Assert.Equal(HttpStatusCode.OK, home.Response.StatusCode);

        var signedOut = await browser.PostAsync(home, "/account/signout");

        Assert.Equal(HttpStatusCode.SeeOther, signedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account")).Response.StatusCode);
    }

    [Fact]
    public async Task A_removed_member_cannot_sign_in_and_their_session_ends_and_their_tokens_are_announced_revoked()
    {
        var (tenantId, email, invitation) = await app.MemberAsync();
        using var browser = new PersonBrowser(app);
        await browser.SignInAsync(email, PeopleAdmin.Password);
        await using var listener = await RevocationListener.StartAsync(app.Database);

        var removed = await app.Admin.DeleteAsync($"/admin/tenants/{tenantId}/members/{invitation.PersonId}");

        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal("revoked:" + invitation.PersonId, await listener.NextAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SignInAsync(email, PeopleAdmin.Password)).StatusCode);
        Assert.Single(await Poll.ValueAsync(() => app.QueuedAuditEventsAsync("platform.auth.member-removed.v1", invitation.PersonId), r => r.Count >= 1, TimeSpan.FromSeconds(20)));
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin.DeleteAsync($"/admin/tenants/{tenantId}/members/{invitation.PersonId}")).StatusCode);
    }

    [Fact]
    public async Task Fewer_roles_end_the_session_and_are_announced_so_tokens_with_the_old_scopes_die()
    {
        var (tenantId, email, invitation) = await app.MemberAsync("admin");
        using var browser = new PersonBrowser(app);
        await browser.SignInAsync(email, PeopleAdmin.Password);
        await using var listener = await RevocationListener.StartAsync(app.Database);

        var changed = await app.Admin.PostAsync($"/admin/tenants/{tenantId}/members/{invitation.PersonId}/roles",
            System.Net.Http.Json.JsonContent.Create(new Auth.People.ChangeMemberRolesRequest(["read"], null)));

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("revoked:" + invitation.PersonId, await listener.NextAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account")).Response.StatusCode);
        await browser.SignInAsync(email, PeopleAdmin.Password);
        Assert.Equal(["read"], browser.SessionPrincipal().FindAll("role").Select(c => c.Value));
    }
}
