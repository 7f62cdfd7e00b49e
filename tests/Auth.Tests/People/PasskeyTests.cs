using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Platform.Testing;

namespace Platform.Auth.Tests.People;

public sealed class PasskeyTests(AuthApp app) : IClassFixture<AuthApp>
{
    private const string Origin = "http://localhost";

    [Fact]
    public async Task A_person_adds_a_passkey_and_signs_in_with_it_alone_and_a_replayed_or_forged_assertion_is_refused()
    {
        var (_, email, invitation) = await app.MemberAsync();
        using var authenticator = new SoftwareAuthenticator();
        using var browser = new PersonBrowser(app);
        await browser.SignInAsync(email, PeopleAdmin.Password);
        var account = await browser.GetAsync("/account");

        var registration = await StartAsync(browser, account, "/account/passkeys/register/options");
        var added = await browser.PostAsync(account, "/account/passkeys/register",
            ("ceremonyId", registration.CeremonyId), ("credential", authenticator.Register(registration.Options, Origin)));
        Assert.Equal(HttpStatusCode.SeeOther, added.StatusCode);

        using var later = new PersonBrowser(app);
        var signInPage = await later.GetAsync("/account/signin");
        var assertion = await StartAsync(later, signInPage, "/account/passkeys/signin/options");
        var credential = authenticator.Assert(assertion.Options, Origin);
        var signedIn = await later.PostAsync(signInPage, "/account/passkeys/signin",
            ("ceremonyId", assertion.CeremonyId), ("credential", credential), ("returnUrl", "/account"));

        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        var person = later.SessionPrincipal();
        Assert.Equal(invitation.PersonId, person.FindFirst("sub")?.Value);
        Assert.Equal(["hwk"], person.FindAll("amr").Select(c => c.Value));

        using var replaying = new PersonBrowser(app);
        var replayPage = await replaying.GetAsync("/account/signin");
        var replayed = await replaying.PostAsync(replayPage, "/account/passkeys/signin", ("ceremonyId", assertion.CeremonyId), ("credential", credential));
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var fresh = await StartAsync(replaying, replayPage, "/account/passkeys/signin/options");
        var forged = await replaying.PostAsync(replayPage, "/account/passkeys/signin",
            ("ceremonyId", fresh.CeremonyId), ("credential", authenticator.Assert(fresh.Options, Origin, signWith: otherKey)));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Null(replaying.SessionCookie);

        var failures = await Poll.ValueAsync(() => app.QueuedAuditEventsAsync("platform.auth.sign-in-failed.v1", invitation.PersonId), f => f.Count >= 1, TimeSpan.FromSeconds(20));
        Assert.Contains("wrong_passkey", Assert.Single(failures), StringComparison.Ordinal);
        Assert.NotEmpty(await Poll.ValueAsync(() => app.QueuedAuditEventsAsync("platform.auth.sign-in-succeeded.v1", "\"hwk\""), s => s.Count >= 1, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task A_passkey_answer_for_another_origin_is_refused()
    {
        var (_, email, _) = await app.MemberAsync();
        using var authenticator = new SoftwareAuthenticator();
        using var browser = new PersonBrowser(app);
        await browser.SignInAsync(email, PeopleAdmin.Password);
        var account = await browser.GetAsync("/account");

        var registration = await StartAsync(browser, account, "/account/passkeys/register/options");
        var added = await browser.PostAsync(account, "/account/passkeys/register",
            ("ceremonyId", registration.CeremonyId), ("credential", authenticator.Register(registration.Options, "https://phish.example")));

        Assert.Equal(HttpStatusCode.BadRequest, added.StatusCode);
    }

    [Fact]
    public async Task Passkey_options_need_the_antiforgery_token_and_registration_needs_a_session()
    {
        using var browser = new PersonBrowser(app);
        var page = await browser.GetAsync("/account/signin");

        var forged = await browser.Client.PostAsync("/account/passkeys/signin/options", new FormUrlEncodedContent([]));
        var anonymous = await browser.PostAsync(page, "/account/passkeys/register/options");

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    private static async Task<(string CeremonyId, JsonElement Options)> StartAsync(PersonBrowser browser, PersonBrowser.Page page, string url)
    {
        var response = await browser.PostAsync(page, url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (body.GetProperty("ceremonyId").GetString()!, body.GetProperty("options").Clone());
    }
}
