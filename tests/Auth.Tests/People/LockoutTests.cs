using System.Net;
using Platform.Auth.Account;
using Platform.Testing;

namespace Platform.Auth.Tests.People;

public sealed class LockoutTests(AuthApp app, PlatformInfrastructure infrastructure) : IClassFixture<AuthApp>
{
    [Fact]
    public async Task Five_failures_lock_the_account_for_a_minute_even_against_the_right_password_and_the_lockout_is_audited()
    {
        var (_, email, invitation) = await app.MemberAsync();
        using var browser = new PersonBrowser(app);

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SignInAsync(email, "wrong password " + i)).StatusCode);
        }

        var fifth = await browser.SignInAsync(email, "wrong password 5");
        var rightButLocked = await browser.SignInAsync(email, PeopleAdmin.Password);

        Assert.Equal(HttpStatusCode.Locked, fifth.StatusCode);
        Assert.Equal(HttpStatusCode.Locked, rightButLocked.StatusCode);
        var lockedPage = await rightButLocked.Content.ReadAsStringAsync();
        Assert.Contains("locked", lockedPage, StringComparison.Ordinal);
        Assert.DoesNotContain(SignInEndpoints.GenericFailure, lockedPage, StringComparison.Ordinal);
        Assert.Null(browser.SessionCookie);
        var lockouts = await Poll.ValueAsync(() => app.QueuedAuditEventsAsync("platform.auth.sign-in-locked-out.v1", invitation.PersonId), l => l.Count >= 1, TimeSpan.FromSeconds(20));
        Assert.Contains("\"failures\":5", Assert.Single(lockouts), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(5, (await Poll.ValueAsync(() => app.QueuedAuditEventsAsync("platform.auth.sign-in-failed.v1", invitation.PersonId), f => f.Count >= 5, TimeSpan.FromSeconds(20))).Count);

        app.Host.Clock.Advance(TimeSpan.FromSeconds(61));

        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SignInAsync(email, PeopleAdmin.Password)).StatusCode);
    }

    [Fact]
    public async Task Simultaneous_wrong_passwords_for_one_account_are_all_refused_and_none_fails_with_500()
    {
        var (_, email, _) = await app.MemberAsync();
        var browsers = Enumerable.Range(0, 6).Select(_ => new PersonBrowser(app)).ToList();

        var answers = await Task.WhenAll(browsers.Select((b, i) => b.SignInAsync(email, "wrong password " + i)));

        Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Locked }));
        browsers.ForEach(b => b.Dispose());
    }

    [Fact]
    public async Task Attempts_are_limited_per_client_address_and_per_account_across_replicas()
    {
        var settings = AuthApp.Settings(app.Database);
        foreach (var (key, value) in AuthApp.PeopleSettings(infrastructure))
        {
            settings[key] = value;
        }

        settings["Auth:People:AttemptsPerMinutePerIp"] = "3";
        settings["Auth:People:AttemptsPerMinutePerAccount"] = "2";
        await using var replica = new ServiceHost<Program>(settings, services => services.AddPeopleTestServices(new CapturedLogs()));
        await using var secondReplica = new ServiceHost<Program>(settings, services => services.AddPeopleTestServices(new CapturedLogs()));
        var ip = $"198.51.100.{Random.Shared.Next(1, 255)}";
        var other = $"203.0.113.{Random.Shared.Next(1, 255)}";
        using var fromIp = new ReplicaBrowser(secondReplica, ip);
        using var fromIpOnReplica = new ReplicaBrowser(replica, ip);
        using var fromOther = new ReplicaBrowser(replica, other);
        var account = PeopleAdmin.NewEmail();

        // One replica counts the attempts made through the other: the counts live in Redis.
        Assert.Equal(HttpStatusCode.Unauthorized, (await fromIp.SignInAsync(PeopleAdmin.NewEmail(), "guess one")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fromIpOnReplica.SignInAsync(PeopleAdmin.NewEmail(), "guess two")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fromIpOnReplica.SignInAsync(PeopleAdmin.NewEmail(), "guess three")).StatusCode);
        var limited = await fromIpOnReplica.SignInAsync(PeopleAdmin.NewEmail(), "guess four");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter is not null);

        Assert.Equal(HttpStatusCode.Unauthorized, (await fromOther.SignInAsync(account, "guess one")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fromOther.SignInAsync(account, "guess two")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await fromOther.SignInAsync(account, "guess three")).StatusCode);
    }

    /// <summary>A browser on a second Auth instance on the same database and Redis.</summary>
    private sealed class ReplicaBrowser : IDisposable
    {
        private readonly HttpClient _client;

        public ReplicaBrowser(ServiceHost<Program> replica, string ip)
        {
            _client = replica.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
            _client.DefaultRequestHeaders.Add(PeopleTestServices.ClientIpHeader, ip);
        }

        public async Task<HttpResponseMessage> SignInAsync(string email, string password)
        {
            var html = await _client.GetStringAsync(PersonAuthentication.SignInPath);
            var page = new PersonBrowser.Page(new HttpResponseMessage(), html);
            return await _client.PostAsync(PersonAuthentication.SignInPath, new FormUrlEncodedContent([
                KeyValuePair.Create("email", email), KeyValuePair.Create("password", password),
                KeyValuePair.Create("__antiforgery", page.Field("__antiforgery")!)]));
        }

        public void Dispose() => _client.Dispose();
    }
}
