using System.Net;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Auth.People;

namespace Platform.Auth.Tests.People;

public sealed class PasswordRehashTests(AuthApp app) : IClassFixture<AuthApp>
{
    [Fact]
    public async Task A_password_hashed_with_older_parameters_is_rehashed_with_the_current_ones_at_sign_in()
    {
        var (_, email, invitation) = await app.MemberAsync();
        var store = app.Host.Services.GetRequiredService<IDocumentStore>();
        using var weaker = new PasswordHasher(new FixedOptions(new PasswordOptions { MemoryKib = 512, Iterations = 1, Parallelism = 1 }));
        await using (var session = store.LightweightSession())
        {
            var credentials = await session.LoadAsync<PersonCredentials>(invitation.PersonId, TestContext.Current.CancellationToken);
            credentials!.PasswordHash = await weaker.HashAsync(PeopleAdmin.Password, TestContext.Current.CancellationToken);
            session.Store(credentials);
            await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        using var browser = new PersonBrowser(app);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SignInAsync(email, PeopleAdmin.Password)).StatusCode);

        await using var query = store.QuerySession();
        var rehashed = await query.LoadAsync<PersonCredentials>(invitation.PersonId, TestContext.Current.CancellationToken);
        Assert.StartsWith("$argon2id$v=19$m=1024,t=1,p=1$", rehashed!.PasswordHash, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_person_in_two_tenants_signs_into_the_one_asked_for()
    {
        var first = await app.CreateTenantAsync();
        var second = await app.CreateTenantAsync();
        var email = PeopleAdmin.NewEmail();
        using (var accepting = new PersonBrowser(app))
        {
            await accepting.AcceptInvitationAsync((await app.InviteAsync(first.Id, email)).Url, PeopleAdmin.Password);
            await accepting.AcceptInvitationAsync((await app.InviteAsync(second.Id, email)).Url, PeopleAdmin.Password);
        }

        using var browser = new PersonBrowser(app);
        var form = await browser.GetAsync($"/account/signin?tenant={second.Id}");
        var response = await browser.PostAsync(form, "/account/signin", ("email", email), ("password", PeopleAdmin.Password), ("tenant", form.Field("tenant")!));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal(second.Id, browser.SessionPrincipal().FindFirst("tenant")?.Value);
    }

    private sealed class FixedOptions(PasswordOptions value) : IOptionsMonitor<PasswordOptions>
    {
        public PasswordOptions CurrentValue => value;

        public PasswordOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PasswordOptions, string?> listener) => null;
    }
}
