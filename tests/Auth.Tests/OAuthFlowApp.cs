using System.Net.Http.Json;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Auth.OAuth;
using Platform.Testing;

namespace Platform.Auth.Tests;

/// <summary>
/// Auth for the authorization-code tests: people are invited by the admin API and sign in by accepting their
/// invitation with a password, as a person does.
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
        Host = new ServiceHost<Program>(settings);
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();

    /// <summary>A browser: cookies kept, redirects followed by hand.</summary>
    public HttpClient Browser() => Host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>
    /// A new member of <paramref name="tenant"/> (made if new) with <paramref name="roles"/>, signed in in
    /// <paramref name="browser"/> by accepting the invitation; returns the person id.
    /// </summary>
    public async Task<string> SignInAsync(HttpClient browser, string tenant, params string[] roles)
    {
        using var admin = Host.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AuthApp.AdminKey);
        var created = await admin.PostAsJsonAsync("/admin/tenants", new Platform.Auth.Tenants.CreateTenantRequest(tenant, "Tenant", null, null));
        Assert.True(created.IsSuccessStatusCode || created.StatusCode == HttpStatusCode.Conflict, await created.Content.ReadAsStringAsync());
        var invited = await admin.PostAsJsonAsync($"/admin/tenants/{tenant}/invitations",
            new Platform.Auth.People.InviteMemberRequest($"person-{Guid.NewGuid():N}@example.test", "OAuth Person", roles));
        Assert.True(invited.IsSuccessStatusCode, await invited.Content.ReadAsStringAsync());
        var invitation = (await invited.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>())!;
        var path = new Uri(invitation.GetProperty("url").GetString()!).AbsolutePath;
        var page = await (await browser.GetAsync(path)).Content.ReadAsStringAsync();
        var antiforgery = Regex.Match(page, "<input type=\"hidden\" name=\"(?<name>[^\"]*)\" value=\"(?<value>[^\"]*)\"");
        var accepted = await browser.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [WebUtility.HtmlDecode(antiforgery.Groups["name"].Value)] = WebUtility.HtmlDecode(antiforgery.Groups["value"].Value),
            ["password"] = Password,
            ["confirmPassword"] = Password,
        }));
        Assert.True(accepted.StatusCode == HttpStatusCode.SeeOther, $"accepting the invitation: {(int)accepted.StatusCode}");
        return invitation.GetProperty("personId").GetString()!;
    }

    private const string Password = "a passphrase for the oauth tests";

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
            new("__antiforgery", Field(html, "__antiforgery")),
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
}
