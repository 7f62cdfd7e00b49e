using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Platform.Auth.People;

namespace Platform.Auth.Account;

/// <summary>
/// A person's browser session in Auth (docs/decisions/0007): a cookie of scheme <see cref="Scheme"/> whose claims are
/// <c>sub</c>, <c>tenant</c>, <c>email</c>, <c>name</c>, one <c>role</c> per role and one <c>amr</c> per method used.
/// </summary>
public static class PersonAuthentication
{
    public const string Scheme = "Platform.Person";

    public const string CookieName = "platform.person";

    public const string SignInPath = "/account/signin";

    public const string ReturnUrlParameter = "returnUrl";

    public static class Claims
    {
        public const string Subject = "sub";
        public const string Tenant = "tenant";
        public const string Email = "email";
        public const string Name = "name";
        public const string Role = "role";
        public const string Methods = "amr";

        /// <summary>The person's <see cref="Member.SessionStamp"/> at sign-in; a session of an older stamp is refused.</summary>
        public const string SessionStamp = "session_stamp";
    }

    public static class Methods
    {
        public const string Password = "pwd";
        public const string Otp = "otp";
        public const string Passkey = "hwk";
        public const string Federated = "fed";
    }

    /// <summary>The claims of a signed-in person. A platform administrator's <c>tenant</c> is empty, as on the bootstrap admin key.</summary>
    public static ClaimsPrincipal PrincipalOf(Member member, IEnumerable<string> methods)
    {
        ArgumentNullException.ThrowIfNull(member);
        var identity = new ClaimsIdentity(Scheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, member.Id));
        identity.AddClaim(new Claim(Claims.Tenant, member.TenantId ?? ""));
        identity.AddClaim(new Claim(Claims.Email, member.Email));
        identity.AddClaim(new Claim(Claims.Name, member.DisplayName));
        foreach (var role in member.Roles)
        {
            identity.AddClaim(new Claim(Claims.Role, role));
        }

        foreach (var method in methods.Distinct(StringComparer.Ordinal))
        {
            identity.AddClaim(new Claim(Claims.Methods, method));
        }

        identity.AddClaim(new Claim(Claims.SessionStamp, member.SessionStamp.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return new ClaimsPrincipal(identity);
    }

    public static string? PersonIdOf(ClaimsPrincipal user) => user.FindFirst(Claims.Subject)?.Value;

    /// <summary>The signed-in person of this request, if any (the default scheme of Auth is the bearer scheme).</summary>
    public static async Task<ClaimsPrincipal?> SignedInPersonAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var result = await http.AuthenticateAsync(Scheme);
        return result.Succeeded ? result.Principal : null;
    }

    public static void AddPersonAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddAuthentication().AddCookie(Scheme, _ => { });
        builder.Services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IOptionsMonitor<PeopleOptions>, IHostEnvironment>((cookie, people, environment) =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.Path = "/";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            cookie.LoginPath = SignInPath;
            cookie.LogoutPath = "/account/signout";
            cookie.AccessDeniedPath = SignInPath;
            cookie.ReturnUrlParameter = ReturnUrlParameter;
            cookie.ExpireTimeSpan = people.CurrentValue.SessionLifetime;
            cookie.SlidingExpiration = true;
            cookie.Events.OnValidatePrincipal = ValidateSessionAsync;
        });
    }

    /// <summary>A session ends as soon as its person is removed or changes credentials or roles (on every replica: the stamp is in the database).</summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var personId = context.Principal is { } principal ? PersonIdOf(principal) : null;
        var stamp = context.Principal?.FindFirst(Claims.SessionStamp)?.Value;
        var session = context.HttpContext.RequestServices.GetRequiredService<IQuerySession>();
        var member = personId is null ? null : await session.LoadAsync<Member>(personId, context.HttpContext.RequestAborted);
        if (member is null || !member.IsActive
            || stamp != member.SessionStamp.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }
}
