using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.Auth.Tests;

/// <summary>
/// Bad input to the authorization and token endpoints: each case gets OAuth's answer, never a token, and a redirect
/// with <c>error=</c> only when the client and its redirect URI are known to be valid (otherwise an error page).
/// OpenIddict checks the request's parameters (PKCE, response type, scope, resource) before it has validated the
/// client's redirect URI, so those errors are shown on Auth's error page rather than sent to the client.
/// </summary>
public sealed class AuthorizationBadInputTests(OAuthFlowApp app) : IClassFixture<OAuthFlowApp>
{
    /// <summary>What the case must get.</summary>
    public enum Expect
    {
        /// <summary>A redirect to the client's registered redirect URI with this error and no code.</summary>
        ErrorRedirect,

        /// <summary>An error page; nothing is sent to any redirect URI.</summary>
        ErrorPage,

        /// <summary>A token endpoint error (400/401) with this error and no token.</summary>
        TokenError,
    }

    public sealed record BadInput(string Name, Expect Expect, string? Error, Func<Setup, Task<HttpResponseMessage>> Run)
    {
        public override string ToString() => Name;
    }

    /// <summary>A signed-in person who already consented to a registered public client, so a valid request gets a code at once.</summary>
    public sealed record Setup(OAuthFlowApp App, HttpClient Browser, HttpClient Http, string ClientId, string OtherClientId, string PersonTenant)
    {
        public async Task<(string Code, string Verifier)> CodeAsync(string clientId)
        {
            var (verifier, challenge) = OAuthFlowApp.Pkce();
            var response = await OAuthFlowApp.FollowAsync(Browser, OAuthFlowApp.AuthorizeUrl(clientId, challenge));
            return (OAuthFlowApp.QueryOf(response.Headers.Location!)["code"], verifier);
        }

        public Task<HttpResponseMessage> TokenAsync(Dictionary<string, string> form) =>
            Http.PostAsync("/oauth/token", new FormUrlEncodedContent(form));

        public static Dictionary<string, string> Redeem(string clientId, string code, string verifier, string redirectUri = OAuthFlowApp.RedirectUri) => new()
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = clientId,
            ["code"] = code,
            ["code_verifier"] = verifier,
            ["redirect_uri"] = redirectUri,
        };

        public Task<HttpResponseMessage> AuthorizeAsync(string url) => Browser.GetAsync(url);
    }

    private static readonly string Challenge = OAuthFlowApp.Pkce().Challenge;

    public static readonly BadInput[] Cases =
    [
        new("unknown client", Expect.ErrorPage, null, s => s.AuthorizeAsync(OAuthFlowApp.AuthorizeUrl("dcr_unknown", Challenge))),
        new("mismatched redirect uri", Expect.ErrorPage, null, s => s.AuthorizeAsync(OAuthFlowApp.AuthorizeUrl(s.ClientId, Challenge, redirectUri: "https://evil.test/callback"))),
        new("redirect uri with another port", Expect.ErrorPage, null, s => s.AuthorizeAsync(OAuthFlowApp.AuthorizeUrl(s.ClientId, Challenge, redirectUri: "http://127.0.0.1:7778/callback"))),
        new("redirect uri with another path", Expect.ErrorPage, null, s => s.AuthorizeAsync(OAuthFlowApp.AuthorizeUrl(s.ClientId, Challenge, redirectUri: OAuthFlowApp.RedirectUri + "/x"))),
        new("redirect uri with an extra query", Expect.ErrorPage, null, s => s.AuthorizeAsync(OAuthFlowApp.AuthorizeUrl(s.ClientId, Challenge, redirectUri: OAuthFlowApp.RedirectUri + "?a=b"))),
        new("missing pkce", Expect.ErrorPage, null, s => s.AuthorizeAsync(OAuthFlowApp.AuthorizeUrl(s.ClientId, Challenge).Replace("&code_challenge=" + Challenge, "", StringComparison.Ordinal))),
        new("plain pkce", Expect.ErrorPage, null, s => s.AuthorizeAsync(OAuthFlowApp.AuthorizeUrl(s.ClientId, Challenge, method: "plain"))),
        new("pkce without a method", Expect.ErrorPage, null, s => s.AuthorizeAsync(OAuthFlowApp.AuthorizeUrl(s.ClientId, Challenge).Replace("&code_challenge_method=S256", "", StringComparison.Ordinal))),
        new("unknown resource", Expect.ErrorPage, null, s => s.AuthorizeAsync(OAuthFlowApp.AuthorizeUrl(s.ClientId, Challenge, resource: "http://evil.test/mcp"))),
        new("two resources", Expect.ErrorRedirect, "invalid_target", s => s.AuthorizeAsync(OAuthFlowApp.AuthorizeUrl(s.ClientId, Challenge) + "&resource=" + Uri.EscapeDataString(AuthApp.OtherResource))),
        new("implicit flow", Expect.ErrorPage, null, s => s.AuthorizeAsync(OAuthFlowApp.AuthorizeUrl(s.ClientId, Challenge).Replace("response_type=code", "response_type=token", StringComparison.Ordinal))),
        new("unknown scope", Expect.ErrorPage, null, s => s.AuthorizeAsync(OAuthFlowApp.AuthorizeUrl(s.ClientId, Challenge, scope: "tools:list root"))),
        new("scope beyond the person's roles only", Expect.ErrorRedirect, "access_denied", s => s.AuthorizeAsync(OAuthFlowApp.AuthorizeUrl(s.ClientId, Challenge, scope: "admin audit:read"))),
        new("forged consent decision", Expect.ErrorPage, null, s => s.AuthorizeAsync(OAuthFlowApp.AuthorizeUrl(s.ClientId, Challenge, scope: "tools:list tools:call admin") + "&platform_consent=CfDJ8forged")),
        new("forged consent ticket", Expect.ErrorPage, null, s => s.Browser.GetAsync("/oauth/consent?ticket=CfDJ8forged")),
        new("consent form without antiforgery", Expect.ErrorPage, null, s => s.Browser.PostAsync("/oauth/consent",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["ticket"] = "x", ["decision"] = "accept", ["scope"] = "tools:call" }))),
        new("reused code", Expect.TokenError, "invalid_grant", async s =>
        {
            var (code, verifier) = await s.CodeAsync(s.ClientId);
            (await s.TokenAsync(Setup.Redeem(s.ClientId, code, verifier))).EnsureSuccessStatusCode();
            return await s.TokenAsync(Setup.Redeem(s.ClientId, code, verifier));
        }),
        new("code with another verifier", Expect.TokenError, "invalid_grant", async s =>
        {
            var (code, _) = await s.CodeAsync(s.ClientId);
            return await s.TokenAsync(Setup.Redeem(s.ClientId, code, OAuthFlowApp.Pkce().Verifier));
        }),
        new("code without a verifier", Expect.TokenError, "invalid_request", async s =>
        {
            var (code, _) = await s.CodeAsync(s.ClientId);
            var form = Setup.Redeem(s.ClientId, code, "");
            form.Remove("code_verifier");
            return await s.TokenAsync(form);
        }),
        new("code redeemed by another client", Expect.TokenError, "invalid_grant", async s =>
        {
            var (code, verifier) = await s.CodeAsync(s.ClientId);
            return await s.TokenAsync(Setup.Redeem(s.OtherClientId, code, verifier));
        }),
        new("code with another redirect uri", Expect.TokenError, "invalid_grant", async s =>
        {
            var (code, verifier) = await s.CodeAsync(s.ClientId);
            return await s.TokenAsync(Setup.Redeem(s.ClientId, code, verifier, "http://127.0.0.1:7777/other"));
        }),
        new("code by an unknown client", Expect.TokenError, "invalid_client", async s =>
        {
            var (code, verifier) = await s.CodeAsync(s.ClientId);
            return await s.TokenAsync(Setup.Redeem("dcr_unknown", code, verifier));
        }),
        new("garbage code", Expect.TokenError, "invalid_grant", s => s.TokenAsync(Setup.Redeem(s.ClientId, "not-a-code", OAuthFlowApp.Pkce().Verifier))),
        new("garbage refresh token", Expect.TokenError, "invalid_grant", s => s.TokenAsync(new()
        {
            ["grant_type"] = "refresh_token", ["client_id"] = s.ClientId, ["refresh_token"] = "not-a-refresh-token",
        })),
        new("refresh token without the client id it was issued to", Expect.TokenError, "invalid_grant", async s =>
        {
            var (code, verifier) = await s.CodeAsync(s.ClientId);
            var tokens = await (await s.TokenAsync(Setup.Redeem(s.ClientId, code, verifier))).Content.ReadFromJsonAsync<JsonElement>();
            return await s.TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()! });
        }),
        new("refresh token of another client", Expect.TokenError, "invalid_grant", async s =>
        {
            var (code, verifier) = await s.CodeAsync(s.ClientId);
            var tokens = await (await s.TokenAsync(Setup.Redeem(s.ClientId, code, verifier))).Content.ReadFromJsonAsync<JsonElement>();
            return await s.TokenAsync(new() { ["grant_type"] = "refresh_token", ["client_id"] = s.OtherClientId, ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()! });
        }),
        new("client_credentials for a public client", Expect.TokenError, "invalid_client", s => s.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials", ["client_id"] = s.ClientId,
        })),
    ];

    public static TheoryData<string> CaseNames => [.. Cases.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Bad_input_gets_no_token_and_redirects_only_to_a_valid_client(string name)
    {
        var @case = Cases.Single(c => c.Name == name);
        using var browser = app.Browser();
        using var http = app.Host.CreateClient();
        var clientId = await RegisterAsync(http);
        var otherClientId = await RegisterAsync(http);
        var tenant = "t" + Guid.NewGuid().ToString("N")[..10];
        await app.SignInAsync(browser, tenant, "write");
        var consent = await OAuthFlowApp.FollowAsync(browser, OAuthFlowApp.AuthorizeUrl(clientId, Challenge));
        Assert.Equal(HttpStatusCode.Redirect, (await OAuthFlowApp.ConsentAsync(browser, consent)).StatusCode);

        var response = await @case.Run(new Setup(app, browser, http, clientId, otherClientId, tenant));
        var body = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("access_token", body, StringComparison.Ordinal);
        switch (@case.Expect)
        {
            case Expect.ErrorRedirect:
                Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{response.StatusCode}: {body}");
                Assert.StartsWith(OAuthFlowApp.RedirectUri + "?", response.Headers.Location!.ToString(), StringComparison.Ordinal);
                var query = OAuthFlowApp.QueryOf(response.Headers.Location!);
                Assert.Equal(@case.Error, query["error"]);
                Assert.False(query.ContainsKey("code"));
                Assert.Equal("st-123", query["state"]);
                break;
            case Expect.ErrorPage:
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                Assert.Null(response.Headers.Location);
                Assert.StartsWith("text/html", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
                break;
            case Expect.TokenError:
                Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"{response.StatusCode}: {body}");
                Assert.Equal(@case.Error, JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
                break;
        }
    }

    private static async Task<string> RegisterAsync(HttpClient http)
    {
        var response = await http.PostAsJsonAsync("/oauth/register", new { redirect_uris = new[] { OAuthFlowApp.RedirectUri }, client_name = "Bad input client" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("client_id").GetString()!;
    }
}
