using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Auth.OAuth;
using Platform.Testing;

namespace Platform.Auth.Tests;

/// <summary>
/// Auth with a way to sign a person in for the tests only: the <c>Platform.Person</c> cookie as decision 0007 describes
/// it, issued by <c>/test/person-signin</c>, an endpoint this test host adds (never the service).
/// </summary>
public sealed class OAuthFlowApp : IAsyncLifetime
{
    public const string RedirectUri = "http://127.0.0.1:7777/callback";
    private readonly PlatformInfrastructure _infrastructure;

    public OAuthFlowApp(PlatformInfrastructure infrastructure) => _infrastructure = infrastructure;

    public ServiceHost<Program> Host { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var database = await _infrastructure.NewDatabaseAsync("authflow");
        ConnectionString = database;
        var settings = AuthApp.Settings(database);
        settings["Auth:OAuth:Registration:PerIpPerHour"] = "10000";
        Host = new ServiceHost<Program>(settings, services =>
        {
            if (!services.Any(d => d.ServiceType == typeof(CookieAuthenticationHandler)))
            {
                services.AddAuthentication().AddCookie(PersonSession.Scheme, cookie =>
                {
                    cookie.Cookie.Path = "/";
                    cookie.LoginPath = "/account/signin";
                    cookie.ReturnUrlParameter = "returnUrl";
                });
            }

            services.AddSingleton<IStartupFilter, TestSignIn>();
        });
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();

    /// <summary>A browser: cookies kept, redirects followed by hand.</summary>
    public HttpClient Browser() => Host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public static async Task SignInAsync(HttpClient browser, string personId, string tenant, params string[] roles)
    {
        var query = $"?sub={personId}&tenant={tenant}&email={personId}%40example.test" + string.Concat(roles.Select(r => "&role=" + r));
        (await browser.GetAsync("/test/person-signin" + query)).EnsureSuccessStatusCode();
    }

    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (verifier, challenge);
    }

    public static string AuthorizeUrl(string clientId, string challenge, string scope = "tools:list tools:call offline_access",
        string? resource = AuthApp.McpResource, string redirectUri = RedirectUri, string method = "S256", string state = "st-123")
    {
        var parameters = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["scope"] = scope,
            ["state"] = state,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = method,
            ["resource"] = resource,
        };
        return "/oauth/authorize" + QueryString.Create(parameters.Where(p => p.Value is not null));
    }

    /// <summary>Follows redirects inside Auth (sign-in excluded) until one leaves it or a page answers.</summary>
    public static async Task<HttpResponseMessage> FollowAsync(HttpClient browser, string url)
    {
        var response = await browser.GetAsync(url);
        for (var hops = 0; hops < 10 && response.StatusCode == HttpStatusCode.Redirect; hops++)
        {
            var location = response.Headers.Location!;
            if (location.IsAbsoluteUri && location.Host != "localhost")
            {
                return response;
            }

            response = await browser.GetAsync(location);
        }

        return response;
    }

    /// <summary>Accepts the consent page's form, with <paramref name="scopes"/> ticked (all when null).</summary>
    public static async Task<HttpResponseMessage> ConsentAsync(HttpClient browser, HttpResponseMessage page, string decision = "accept", string[]? scopes = null)
    {
        var html = await page.Content.ReadAsStringAsync();
        var fields = new List<KeyValuePair<string, string>>
        {
            new("__RequestVerificationToken", Field(html, "__RequestVerificationToken")),
            new("ticket", Field(html, "ticket")),
            new("decision", decision),
        };
        var offered = Regex.Matches(html, "name=\"scope\" value=\"([^\"]+)\"").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value));
        fields.AddRange((scopes ?? offered).Select(s => new KeyValuePair<string, string>("scope", s)));
        var response = await browser.PostAsync("/oauth/consent", new FormUrlEncodedContent(fields));
        return response.StatusCode == HttpStatusCode.Redirect ? await FollowAsync(browser, response.Headers.Location!.ToString()) : response;
    }

    public static string Field(string html, string name) =>
        WebUtility.HtmlDecode(Regex.Match(html, $"name=\"{Regex.Escape(name)}\" value=\"([^\"]*)\"").Groups[1].Value);

    public static Dictionary<string, string> QueryOf(Uri uri) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query).ToDictionary(p => p.Key, p => p.Value.ToString());

    private sealed class TestSignIn : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Map("/test/person-signin", signIn => signIn.Run(async http =>
            {
                var q = http.Request.Query;
                var identity = new ClaimsIdentity(PersonSession.Scheme, PersonSession.Subject, PersonSession.Role);
                identity.AddClaim(new Claim(PersonSession.Subject, q["sub"].ToString()));
                identity.AddClaim(new Claim(PersonSession.Tenant, q["tenant"].ToString()));
                identity.AddClaim(new Claim(PersonSession.Email, q["email"].ToString()));
                identity.AddClaim(new Claim("amr", "pwd"));
                foreach (var role in q["role"])
                {
                    identity.AddClaim(new Claim(PersonSession.Role, role!));
                }

                await http.SignInAsync(PersonSession.Scheme, new ClaimsPrincipal(identity));
                http.Response.StatusCode = StatusCodes.Status204NoContent;
            }));
            next(app);
        };
    }
}
