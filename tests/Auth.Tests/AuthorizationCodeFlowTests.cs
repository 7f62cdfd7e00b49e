using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Platform.Auth.Tests;

public sealed class AuthorizationCodeFlowTests(OAuthFlowApp app) : IClassFixture<OAuthFlowApp>
{
    private async Task<string> RegisterAsync(string redirectUri = OAuthFlowApp.RedirectUri)
    {
        using var http = app.Host.CreateClient();
        var response = await http.PostAsJsonAsync("/oauth/register", new
        {
            redirect_uris = new[] { redirectUri },
            client_name = "Test <client>",
            token_endpoint_auth_method = "none",
            grant_types = new[] { "authorization_code", "refresh_token" },
            application_type = "native",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("client_id").GetString()!;
    }

    private static async Task<HttpResponseMessage> RedeemAsync(HttpClient http, string clientId, string code, string verifier, string redirectUri = OAuthFlowApp.RedirectUri) =>
        await http.PostAsync("/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = clientId,
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
            ["code_verifier"] = verifier,
            ["resource"] = AuthApp.McpResource,
        }));

    private static async Task<HttpResponseMessage> RefreshAsync(HttpClient http, string clientId, string refreshToken) =>
        await http.PostAsync("/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = clientId,
            ["refresh_token"] = refreshToken,
        }));

    /// <summary>authorize → sign-in → consent → code → token, for a new person of a new tenant.</summary>
    private async Task<(string ClientId, JsonElement Tokens, string PersonId)> FullFlowAsync(HttpClient browser, string[]? consentTo = null, string? tenant = null)
    {
        tenant ??= "t" + Guid.NewGuid().ToString("N")[..10];
        var clientId = await RegisterAsync();
        var (verifier, challenge) = OAuthFlowApp.Pkce();

        var unsigned = await browser.GetAsync(OAuthFlowApp.AuthorizeUrl(clientId, challenge));
        Assert.Equal(HttpStatusCode.Redirect, unsigned.StatusCode);
        Assert.StartsWith("/account/signin", unsigned.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        var returnUrl = OAuthFlowApp.QueryOf(new Uri(new Uri("http://localhost"), unsigned.Headers.Location))["returnUrl"];

        var personId = await app.SignInAsync(browser, tenant, "write");
        var consent = await OAuthFlowApp.FollowAsync(browser, returnUrl);
        Assert.Equal(HttpStatusCode.OK, consent.StatusCode);
        Assert.Equal("no-store", consent.Headers.CacheControl?.ToString());
        Assert.Contains("frame-ancestors 'none'", consent.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var html = await consent.Content.ReadAsStringAsync();
        Assert.Contains("Test &lt;client&gt;", html, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:7777", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);

        var back = await OAuthFlowApp.ConsentAsync(browser, consent, scopes: consentTo);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        var callback = back.Headers.Location!;
        Assert.StartsWith(OAuthFlowApp.RedirectUri, callback.ToString(), StringComparison.Ordinal);
        var query = OAuthFlowApp.QueryOf(callback);
        Assert.Equal("st-123", query["state"]);
        Assert.Equal("http://localhost/", query["iss"]);

        using var http = app.Host.CreateClient();
        var token = await RedeemAsync(http, clientId, query["code"], verifier);
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        return (clientId, await token.Content.ReadFromJsonAsync<JsonElement>(), personId);
    }

    [Fact]
    public async Task Metadata_at_both_well_known_urls_advertises_the_code_flow_with_s256_iss_and_registration()
    {
        using var http = app.Host.CreateClient();
        foreach (var url in new[] { "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration" })
        {
            var metadata = await http.GetFromJsonAsync<JsonElement>(url);
            Assert.Equal("http://localhost/", metadata.GetProperty("issuer").GetString());
            Assert.Equal("http://localhost/oauth/authorize", metadata.GetProperty("authorization_endpoint").GetString());
            Assert.Equal("http://localhost/oauth/token", metadata.GetProperty("token_endpoint").GetString());
            Assert.Equal("http://localhost/oauth/revoke", metadata.GetProperty("revocation_endpoint").GetString());
            Assert.Equal("http://localhost/oauth/introspect", metadata.GetProperty("introspection_endpoint").GetString());
            Assert.Equal("http://localhost/oauth/register", metadata.GetProperty("registration_endpoint").GetString());
            Assert.Equal("http://localhost/.well-known/jwks.json", metadata.GetProperty("jwks_uri").GetString());
            Assert.Equal(["S256"], metadata.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
            Assert.True(metadata.GetProperty("authorization_response_iss_parameter_supported").GetBoolean());
            var grants = metadata.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.Contains("authorization_code", grants);
            Assert.Contains("refresh_token", grants);
            Assert.Contains("client_credentials", grants);
        }
    }

    [Fact]
    public async Task A_person_signs_in_consents_and_the_client_gets_an_es256_token_for_exactly_the_resource()
    {
        using var browser = app.Browser();
        var (clientId, tokens, personId) = await FullFlowAsync(browser);

        var jwt = new JsonWebToken(tokens.GetProperty("access_token").GetString());
        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal("at+jwt", jwt.Typ);
        Assert.Equal(AuthApp.McpResource, Assert.Single(jwt.Audiences));
        Assert.Equal(personId, jwt.Subject);
        Assert.Equal("person", jwt.GetPayloadValue<string>("sub_kind"));
        Assert.Equal(clientId, jwt.GetPayloadValue<string>("client_id"));
        Assert.False(string.IsNullOrEmpty(jwt.GetPayloadValue<string>("gid")));
        Assert.False(string.IsNullOrEmpty(jwt.GetPayloadValue<string>("tenant")));
        Assert.Equal(["offline_access", "tools:call", "tools:list"], jwt.GetPayloadValue<string>("scope").Split(' ').Order(StringComparer.Ordinal));
        Assert.Equal(TimeSpan.FromMinutes(5), jwt.ValidTo - jwt.IssuedAt);
        Assert.True(tokens.TryGetProperty("refresh_token", out _));
    }

    [Fact]
    public async Task A_second_authorization_for_granted_scopes_skips_consent_and_a_step_up_asks_only_for_what_is_new()
    {
        using var browser = app.Browser();
        var (clientId, _, _) = await FullFlowAsync(browser, consentTo: ["tools:list"]);

        var (_, challenge) = OAuthFlowApp.Pkce();
        var again = await OAuthFlowApp.FollowAsync(browser, OAuthFlowApp.AuthorizeUrl(clientId, challenge, scope: "tools:list"));
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.True(OAuthFlowApp.QueryOf(again.Headers.Location!).ContainsKey("code"));

        var stepUp = await OAuthFlowApp.FollowAsync(browser, OAuthFlowApp.AuthorizeUrl(clientId, challenge, scope: "tools:list tools:call"));
        Assert.Equal(HttpStatusCode.OK, stepUp.StatusCode);
        var html = await stepUp.Content.ReadAsStringAsync();
        Assert.Contains("value=\"tools:call\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"tools:list\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_tokens_rotate_and_a_replayed_one_revokes_the_whole_grant()
    {
        using var browser = app.Browser();
        var (clientId, tokens, _) = await FullFlowAsync(browser);
        using var http = app.Host.CreateClient();
        var first = tokens.GetProperty("refresh_token").GetString()!;

        var rotated = await RefreshAsync(http, clientId, first);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var second = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(first, second);

        var replay = await RefreshAsync(http, clientId, first);
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.Equal("invalid_grant", (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        var afterReplay = await RefreshAsync(http, clientId, second);
        Assert.Equal(HttpStatusCode.BadRequest, afterReplay.StatusCode);
    }

    [Fact]
    public async Task A_replayed_refresh_token_announces_the_revoked_grant_to_every_replica()
    {
        using var browser = app.Browser();
        var (clientId, tokens, _) = await FullFlowAsync(browser);
        var grantId = new JsonWebToken(tokens.GetProperty("access_token").GetString()).GetPayloadValue<string>("gid");
        await using var listener = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await listener.OpenAsync();
        var heard = new List<string>();
        listener.Notification += (_, e) => heard.Add(e.Payload);
        await using (var listen = new Npgsql.NpgsqlCommand("listen " + Authentication.CredentialChanges.Channel, listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        using var http = app.Host.CreateClient();
        var first = tokens.GetProperty("refresh_token").GetString()!;
        (await RefreshAsync(http, clientId, first)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.BadRequest, (await RefreshAsync(http, clientId, first)).StatusCode);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!heard.Contains("revoked:" + grantId))
        {
            await listener.WaitAsync(timeout.Token);
        }
    }

    private async Task<(string Tenant, HttpClient Admin)> TenantWithAdminKeyAsync()
    {
        using var platformAdmin = app.Host.CreateClient();
        platformAdmin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AuthApp.AdminKey);
        var tenant = "t" + Guid.NewGuid().ToString("N")[..10];
        (await platformAdmin.PostAsJsonAsync("/admin/tenants", new { id = tenant, name = "T" })).EnsureSuccessStatusCode();
        var key = await platformAdmin.PostAsJsonAsync($"/admin/tenants/{tenant}/keys", new { name = "admin", roles = new[] { "admin" } });
        key.EnsureSuccessStatusCode();
        var admin = app.Host.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString());
        return (tenant, admin);
    }

    [Fact]
    public async Task A_tenant_admin_lists_and_revokes_their_tenants_grants_and_no_other_tenants()
    {
        var (tenant, admin) = await TenantWithAdminKeyAsync();
        var (_, otherAdmin) = await TenantWithAdminKeyAsync();
        using var browser = app.Browser();
        var (_, tokens, personId) = await FullFlowAsync(browser, tenant: tenant);
        var jwt = new JsonWebToken(tokens.GetProperty("access_token").GetString());
        Assert.Equal(tenant, jwt.GetPayloadValue<string>("tenant"));
        Assert.True(jwt.TryGetPayloadValue<JsonElement>("limits", out _));
        var grantId = jwt.GetPayloadValue<string>("gid");

        var listed = await admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{tenant}/grants");
        Assert.Equal(personId, Assert.Single(listed.EnumerateArray()).GetProperty("personId").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await otherAdmin.GetAsync($"/admin/tenants/{tenant}/grants")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherAdmin.PostAsync($"/admin/grants/{grantId}/revoke", null)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/admin/grants/{grantId}/revoke", null)).StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{tenant}/grants")).EnumerateArray());
        admin.Dispose();
        otherAdmin.Dispose();
    }

    [Fact]
    public async Task A_person_lists_and_revokes_their_grant_and_its_refresh_token_stops_working()
    {
        using var browser = app.Browser();
        var (clientId, tokens, personId) = await FullFlowAsync(browser);

        var grants = await browser.GetFromJsonAsync<JsonElement>("/account/grants");
        var grant = Assert.Single(grants.EnumerateArray());
        Assert.Equal(personId, grant.GetProperty("personId").GetString());
        Assert.Equal(clientId, grant.GetProperty("clientId").GetString());
        var grantId = grant.GetProperty("id").GetString()!;
        Assert.Equal(grantId, new JsonWebToken(tokens.GetProperty("access_token").GetString()).GetPayloadValue<string>("gid"));

        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync($"/account/grants/{grantId}/revoke", null)).StatusCode);

        using var http = app.Host.CreateClient();
        var refresh = await RefreshAsync(http, clientId, tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, refresh.StatusCode);
        Assert.Empty((await browser.GetFromJsonAsync<JsonElement>("/account/grants")).EnumerateArray());
    }
}
