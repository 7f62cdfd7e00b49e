using System.Net;
using System.Net.Http.Json;
using Platform.Auth.Account;
using Platform.Auth.People;

namespace Platform.Auth.Tests.People;

public sealed class InvitationTests(AuthApp app) : IClassFixture<AuthApp>
{
    [Fact]
    public async Task Invited_person_accepts_signs_in_and_gets_a_cookie_with_the_contract_claims()
    {
        var tenant = await app.CreateTenantAsync();
        var email = PeopleAdmin.NewEmail();
        var invitation = await app.InviteAsync(tenant.Id, "  " + email.ToUpperInvariant() + " ", "write", "debug");

        Assert.Matches("^p_[0-9a-z]{26}$", invitation.PersonId);
        Assert.StartsWith("http://localhost/account/invitations/", invitation.Url, StringComparison.Ordinal);
        Assert.Equal(app.Host.Clock.GetUtcNow().AddDays(7), invitation.ExpiresAt);

        using var accepting = new PersonBrowser(app);
        var accepted = await accepting.AcceptInvitationAsync(invitation.Url, PeopleAdmin.Password);
        Assert.Equal(HttpStatusCode.SeeOther, accepted.StatusCode);
        Assert.Equal("/account", accepted.Headers.Location?.OriginalString);

        using var browser = new PersonBrowser(app);
        var signedIn = await browser.SignInAsync(email, PeopleAdmin.Password, "/oauth/authorize?client_id=x");
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        Assert.Equal("/oauth/authorize?client_id=x", signedIn.Headers.Location?.OriginalString);

        var person = browser.SessionPrincipal();
        Assert.Equal(invitation.PersonId, person.FindFirst("sub")?.Value);
        Assert.Equal(tenant.Id, person.FindFirst("tenant")?.Value);
        Assert.Equal(email, person.FindFirst("email")?.Value);
        Assert.Equal("Ada Lovelace", person.FindFirst("name")?.Value);
        Assert.Equal(["debug", "write"], person.FindAll("role").Select(c => c.Value).Order());
        Assert.Equal(["pwd"], person.FindAll("amr").Select(c => c.Value));
        Assert.Equal(PersonAuthentication.Scheme, person.Identity?.AuthenticationType);

        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(PersonAuthentication.CookieName, StringComparison.Ordinal));
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);

        var home = await browser.GetAsync("/account");
        Assert.Equal(HttpStatusCode.OK, home.Response.StatusCode);
        Assert.Contains(email, home.Html, StringComparison.Ordinal);

        var members = await app.Admin.GetFromJsonAsync<List<MemberResponse>>($"/admin/tenants/{tenant.Id}/members");
        var member = Assert.Single(members!);
        Assert.Equal("active", member.Status);
        Assert.True(member.HasPassword);
    }

    [Fact]
    public async Task A_used_invitation_link_is_refused_the_second_time()
    {
        var (_, _, invitation) = await app.MemberAsync();
        using var browser = new PersonBrowser(app);

        var again = await browser.GetAsync(new Uri(invitation.Url).AbsolutePath);

        Assert.Equal(HttpStatusCode.Gone, again.Response.StatusCode);
        Assert.Contains("already been used", again.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_invitation_link_is_refused_with_a_clear_page()
    {
        var tenant = await app.CreateTenantAsync();
        var invitation = await app.InviteAsync(tenant.Id, PeopleAdmin.NewEmail());
        using var browser = new PersonBrowser(app);
        var form = await browser.GetAsync(new Uri(invitation.Url).AbsolutePath);

        app.Host.Clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        var page = await browser.GetAsync(new Uri(invitation.Url).AbsolutePath);
        var post = await browser.PostAsync(form, new Uri(invitation.Url).AbsolutePath, ("password", PeopleAdmin.Password), ("confirmPassword", PeopleAdmin.Password));

        Assert.Equal(HttpStatusCode.Gone, page.Response.StatusCode);
        Assert.Contains("expired", page.Html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Gone, post.StatusCode);
        Assert.Null(browser.SessionCookie);
    }

    [Theory]
    [InlineData("/account/invitations/not-a-token")]
    [InlineData("/account/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task An_unknown_invitation_link_gets_a_404_page(string path)
    {
        using var browser = new PersonBrowser(app);

        var page = await browser.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, page.Response.StatusCode);
        Assert.Equal("text/html", page.Response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("not valid", page.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short", "short", "12 to 256")]
    [InlineData("a long enough password", "another long password", "not the same")]
    public async Task A_password_that_breaks_the_rules_is_refused_and_the_link_still_works(string password, string confirmation, string message)
    {
        var tenant = await app.CreateTenantAsync();
        var invitation = await app.InviteAsync(tenant.Id, PeopleAdmin.NewEmail());
        using var browser = new PersonBrowser(app);
        var path = new Uri(invitation.Url).AbsolutePath;

        var refused = await browser.PostAsync(await browser.GetAsync(path), path, ("password", password), ("confirmPassword", confirmation));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(message, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.AcceptInvitationAsync(invitation.Url, PeopleAdmin.Password)).StatusCode);
    }

    [Fact]
    public async Task The_email_itself_is_not_accepted_as_the_password()
    {
        var tenant = await app.CreateTenantAsync();
        var email = PeopleAdmin.NewEmail();
        var invitation = await app.InviteAsync(tenant.Id, email);
        using var browser = new PersonBrowser(app);

        var refused = await browser.AcceptInvitationAsync(invitation.Url, email.ToUpperInvariant());

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    [Fact]
    public async Task Inviting_an_address_that_is_already_a_member_is_a_conflict_until_the_member_is_removed()
    {
        var tenant = await app.CreateTenantAsync();
        var email = PeopleAdmin.NewEmail();
        var first = await app.InviteAsync(tenant.Id, email);

        var again = await app.Admin.PostAsJsonAsync($"/admin/tenants/{tenant.Id}/invitations", new InviteMemberRequest(email.ToUpperInvariant(), "Again", ["read"]));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        (await app.Admin.DeleteAsync($"/admin/tenants/{tenant.Id}/members/{first.PersonId}")).EnsureSuccessStatusCode();
        var afterRemoval = await app.Admin.PostAsJsonAsync($"/admin/tenants/{tenant.Id}/invitations", new InviteMemberRequest(email, "Again", ["read"]));
        Assert.Equal(HttpStatusCode.Created, afterRemoval.StatusCode);
    }

    [Theory]
    [InlineData("""{"email":"not-an-email","displayName":"x","roles":["read"]}""")]
    [InlineData("""{"email":"a@example.test","displayName":"","roles":["read"]}""")]
    [InlineData("""{"email":"a@example.test","displayName":"x","roles":["root"]}""")]
    [InlineData("""{"email":"a@example.test","displayName":"x","roles":[]}""")]
    public async Task Invalid_invitations_are_refused_with_problem_details(string body)
    {
        var tenant = await app.CreateTenantAsync();

        var response = await app.Admin.PostAsync($"/admin/tenants/{tenant.Id}/invitations", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_tenant_admin_key_invites_into_its_own_tenant_only_and_never_a_platform_administrator()
    {
        var own = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var key = await app.IssueKeyAsync(own.Id, new Keys.IssueApiKeyRequest("tenant admin", null, ["admin"], null, null, null));
        using var tenantAdmin = app.Host.CreateClient();
        tenantAdmin.DefaultRequestHeaders.Authorization = new("Bearer", key.Key);
        var request = new InviteMemberRequest(PeopleAdmin.NewEmail(), "Grace", ["read"]);

        Assert.Equal(HttpStatusCode.Created, (await tenantAdmin.PostAsJsonAsync($"/admin/tenants/{own.Id}/invitations", request)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await tenantAdmin.PostAsJsonAsync($"/admin/tenants/{other.Id}/invitations", request)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await tenantAdmin.PostAsJsonAsync("/admin/platform/invitations", request)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await tenantAdmin.GetAsync($"/admin/tenants/{other.Id}/members")).StatusCode);
    }

    [Fact]
    public async Task A_platform_administrator_is_a_person_of_no_tenant_with_an_empty_tenant_claim()
    {
        var email = PeopleAdmin.NewEmail();
        var response = await app.Admin.PostAsJsonAsync("/admin/platform/invitations", new InviteMemberRequest(email, "Operator", ["admin"]));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var invitation = (await response.Content.ReadFromJsonAsync<InvitationResponse>())!;

        using var browser = new PersonBrowser(app);
        await browser.AcceptInvitationAsync(invitation.Url, PeopleAdmin.Password);

        Assert.Equal("", browser.SessionPrincipal().FindFirst("tenant")?.Value);
        var platformMembers = await app.Admin.GetFromJsonAsync<List<MemberResponse>>("/admin/platform/members");
        Assert.Contains(platformMembers!, m => m.PersonId == invitation.PersonId && m.TenantId is null);
    }
}
