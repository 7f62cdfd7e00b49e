using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Platform.Auth.Keys;

namespace Platform.Auth.Tests;

public sealed class OAuthTests(AuthApp app) : IClassFixture<AuthApp>
{
    private async Task<HttpResponseMessage> RequestTokenAsync(string? key, Dictionary<string, string>? form = null, bool basic = true)
    {
        using var http = app.Host.CreateClient();
        var fields = form ?? new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (key is not null && basic)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(":" + key)));
        }
        else if (key is not null)
        {
            fields["client_secret"] = key;
        }

        return await http.PostAsync("/oauth/token", new FormUrlEncodedContent(fields));
    }

    private async Task<string> TokenAsync(string key, string? resource = null)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (resource is not null)
        {
            form["resource"] = resource;
        }

        var response = await RequestTokenAsync(key, form);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    [Fact]
    public async Task Client_credentials_with_an_api_key_returns_a_short_lived_es256_token_with_the_platform_claims()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id, new IssueApiKeyRequest("m2m", ["tools:call", "tools:list"], null, ["echo"], null, null));

        var response = await RequestTokenAsync(issued.Key);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var jwt = new JsonWebToken(body.GetProperty("access_token").GetString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(300, body.GetProperty("expires_in").GetInt32());
        Assert.Equal("ES256", jwt.Alg);
        Assert.False(string.IsNullOrEmpty(jwt.Kid));
        Assert.Equal(AuthApp.McpResource, Assert.Single(jwt.Audiences));
        Assert.Equal(issued.ApiKey.KeyId, jwt.Subject);
        Assert.Equal(tenant.Id, jwt.GetPayloadValue<string>("tenant"));
        Assert.Equal("tools:call tools:list", jwt.GetPayloadValue<string>("scope"));
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.Equal(TimeSpan.FromMinutes(5), jwt.ValidTo - jwt.IssuedAt);
    }

    [Fact]
    public async Task Client_secret_in_the_form_works_like_basic_authentication()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id);

        var response = await RequestTokenAsync(issued.Key, basic: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Bad_token_requests_get_the_rfc_6749_error_for_each_case()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id, new IssueApiKeyRequest("narrow", ["tools:list"], null, null, null, null));
        var revoked = await app.IssueKeyAsync(tenant.Id);
        (await app.Admin.PostAsJsonAsync($"/admin/keys/{revoked.ApiKey.KeyId}/revoke", new RevokeApiKeyRequest("gone", null))).EnsureSuccessStatusCode();

        async Task<(HttpStatusCode, string)> Error(HttpResponseMessage r) =>
            (r.StatusCode, (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!);

        Assert.Equal((HttpStatusCode.BadRequest, "unsupported_grant_type"),
            await Error(await RequestTokenAsync(issued.Key, new() { ["grant_type"] = "password" })));
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_client"), await Error(await RequestTokenAsync("mcp_live_wrong")));
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_client"), await Error(await RequestTokenAsync(revoked.Key)));
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_client"), await Error(await RequestTokenAsync(null)));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_target"),
            await Error(await RequestTokenAsync(issued.Key, new() { ["grant_type"] = "client_credentials", ["resource"] = "http://evil.test/mcp" })));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_scope"),
            await Error(await RequestTokenAsync(issued.Key, new() { ["grant_type"] = "client_credentials", ["scope"] = "tools:call" })));
    }

    [Fact]
    public async Task Tokens_validate_against_jwks_across_a_signing_key_rotation()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id);
        var before = await TokenAsync(issued.Key);

        app.Host.Clock.Advance(TimeSpan.FromSeconds(1));
        (await app.Admin.PostAsync("/admin/signing-keys/rotate", null)).EnsureSuccessStatusCode();
        app.Host.Clock.Advance(TimeSpan.FromSeconds(31)); // past the key ring's refresh interval
        var after = await TokenAsync(issued.Key);
        using var anonymous = app.Host.CreateClient();
        var jwks = new JsonWebKeySet(await anonymous.GetStringAsync("/.well-known/jwks.json"));

        Assert.NotEqual(new JsonWebToken(before).Kid, new JsonWebToken(after).Kid);
        Assert.Contains(jwks.Keys, k => k.Kid == new JsonWebToken(before).Kid);
        Assert.Contains(jwks.Keys, k => k.Kid == new JsonWebToken(after).Kid);
        Assert.All(jwks.Keys, k => Assert.False(k.HasPrivateKey));
        foreach (var token in new[] { before, after })
        {
            var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
            {
                ValidIssuer = "http://localhost/",
                ValidAudience = AuthApp.McpResource,
                IssuerSigningKeys = jwks.GetSigningKeys(),
                LifetimeValidator = (_, _, _, _) => true,
            });
            Assert.True(result.IsValid, result.Exception?.Message);
        }
    }

    [Fact]
    public async Task Token_for_one_resource_does_not_validate_for_another()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id);
        var token = await TokenAsync(issued.Key, AuthApp.OtherResource);
        using var anonymous = app.Host.CreateClient();
        var jwks = new JsonWebKeySet(await anonymous.GetStringAsync("/.well-known/jwks.json"));

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "http://localhost/",
            ValidAudience = AuthApp.McpResource,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            LifetimeValidator = (_, _, _, _) => true,
        });

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidAudienceException>(result.Exception);
    }

    [Fact]
    public async Task Metadata_advertises_the_token_endpoint_jwks_and_client_credentials()
    {
        using var anonymous = app.Host.CreateClient();

        var metadata = await anonymous.GetFromJsonAsync<JsonElement>("/.well-known/oauth-authorization-server");

        Assert.Equal("http://localhost/", metadata.GetProperty("issuer").GetString());
        Assert.Equal("http://localhost/oauth/token", metadata.GetProperty("token_endpoint").GetString());
        Assert.Equal("http://localhost/.well-known/jwks.json", metadata.GetProperty("jwks_uri").GetString());
        Assert.Contains("client_credentials", metadata.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Introspection_reports_a_token_inactive_once_its_key_is_revoked()
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id);
        var token = await TokenAsync(issued.Key);

        async Task<bool> ActiveAsync() =>
            (await (await app.Admin.PostAsync("/oauth/introspect", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token })))
                .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("active").GetBoolean();

        Assert.True(await ActiveAsync());
        (await app.Admin.PostAsJsonAsync($"/admin/keys/{issued.ApiKey.KeyId}/revoke", new RevokeApiKeyRequest("gone", null))).EnsureSuccessStatusCode();
        Assert.False(await ActiveAsync());
    }
}
