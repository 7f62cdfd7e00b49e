using Microsoft.Extensions.Options;
using Platform.Auth.Account;
using Platform.Auth.People;

namespace Platform.Auth.Tests.People;

public sealed class SignInDeciderTests
{
    private static readonly SignInDecider.Policy Policy = new(5, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_fifth_consecutive_failure_locks_the_account_for_a_minute()
    {
        var member = new Member { Id = "p_x", ConsecutiveFailures = 3 };

        Assert.Single(SignInDecider.Failed(member, "wrong_password", Policy, Now));
        member.ConsecutiveFailures = 4;
        var events = SignInDecider.Failed(member, "wrong_password", Policy, Now);

        var locked = Assert.IsType<SignInLockedOut>(events[1]);
        Assert.Equal(Now.AddMinutes(1), locked.Until);
        Assert.Equal(5, locked.Failures);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(3, 8)]
    [InlineData(6, 60)]
    [InlineData(40, 60)]
    public void Each_lockout_without_a_success_between_doubles_up_to_an_hour(int previousLockouts, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), SignInDecider.LockoutLength(previousLockouts, Policy));

    [Fact]
    public void A_success_clears_failures_and_lockouts()
    {
        var member = new Member { Id = "p_x", ConsecutiveFailures = 3, Lockouts = 2, LockedUntil = Now };

        member.Apply(SignInDecider.Succeeded(member, ["pwd"], Now));

        Assert.Equal(0, member.ConsecutiveFailures);
        Assert.Equal(0, member.Lockouts);
        Assert.Null(member.LockedUntil);
        Assert.False(SignInDecider.IsLockedOut(member, Now));
    }
}

public sealed class PasswordHasherTests
{
    private static PasswordHasher Hasher(int memoryKib = 1024, int iterations = 1) =>
        new(new StaticOptions(new PasswordOptions { MemoryKib = memoryKib, Iterations = iterations, Parallelism = 1 }));

    [Fact]
    public async Task A_hash_is_a_phc_string_that_verifies_only_the_same_password()
    {
        using var hasher = Hasher();

        var hash = await hasher.HashAsync("correct horse battery staple", TestContext.Current.CancellationToken);

        Assert.StartsWith("$argon2id$v=19$m=1024,t=1,p=1$", hash, StringComparison.Ordinal);
        Assert.True((await hasher.VerifyAsync("correct horse battery staple", hash, TestContext.Current.CancellationToken)).Matches);
        Assert.False((await hasher.VerifyAsync("correct horse battery stapler", hash, TestContext.Current.CancellationToken)).Matches);
        Assert.NotEqual(hash, await hasher.HashAsync("correct horse battery staple", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_hash_made_with_weaker_parameters_still_verifies_and_asks_for_a_rehash()
    {
        using var old = Hasher(memoryKib: 512);
        using var current = Hasher(memoryKib: 1024);
        var hash = await old.HashAsync("correct horse battery staple", TestContext.Current.CancellationToken);

        var verification = await current.VerifyAsync("correct horse battery staple", hash, TestContext.Current.CancellationToken);

        Assert.True(verification.Matches);
        Assert.True(verification.NeedsRehash);
    }

    [Theory]
    [InlineData("")]
    [InlineData("$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")]
    [InlineData("$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")]
    [InlineData("$argon2id$v=19$m=1024,t=1,p=1$!!!$aGFzaA")]
    public async Task A_malformed_stored_hash_never_matches(string stored)
    {
        using var hasher = Hasher();

        Assert.False((await hasher.VerifyAsync("anything at all", stored, TestContext.Current.CancellationToken)).Matches);
    }

    private sealed class StaticOptions(PasswordOptions value) : IOptionsMonitor<PasswordOptions>
    {
        public PasswordOptions CurrentValue => value;

        public PasswordOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PasswordOptions, string?> listener) => null;
    }
}

public sealed class AccountBasicsTests
{
    [Fact]
    public void Person_ids_are_p_and_26_lowercase_base32_characters_and_sort_by_time()
    {
        var first = PersonId.New(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var second = PersonId.New(new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero));

        Assert.Matches("^p_[0-9a-z]{26}$", first);
        Assert.True(PersonId.IsValid(first));
        Assert.False(PersonId.IsValid("p_ABC"));
        Assert.True(string.CompareOrdinal(first, second) < 0);
    }

    [Theory]
    [InlineData("/oauth/authorize?x=1", "/oauth/authorize?x=1")]
    [InlineData("/", "/")]
    [InlineData("//evil.example", null)]
    [InlineData("/\\evil.example", null)]
    [InlineData("/a\\b", null)]
    [InlineData("https://evil.example/", null)]
    [InlineData("evil", null)]
    [InlineData("/a\nb", null)]
    [InlineData("", null)]
    public void Only_local_return_urls_are_followed(string returnUrl, string? followed) =>
        Assert.Equal(followed, AccountApi.LocalReturnUrl(returnUrl));

    [Fact]
    public void Every_value_on_an_account_page_is_html_encoded()
    {
        var html = new AccountPage("<title>").Heading("<script>alert(1)</script>").Paragraph("\"quoted\" & <b>")
            .Link("/x?a=1&b=\"2\"", "<i>").Render();

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
    }
}
