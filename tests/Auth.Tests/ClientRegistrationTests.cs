using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Platform.Auth.Tests;

public sealed class ClientRegistrationTests(OAuthFlowApp app) : IClassFixture<OAuthFlowApp>
{
    [Fact]
    public async Task A_public_client_registers_and_gets_the_rfc_7591_response()
    {
        using var http = app.Host.CreateClient();

        var response = await http.PostAsJsonAsync("/oauth/register", new
        {
            redirect_uris = new[] { "http://127.0.0.1:33418/callback", "https://client.example/cb" },
            client_name = "Inspector",
            token_endpoint_auth_method = "none",
            grant_types = new[] { "authorization_code", "refresh_token" },
            response_types = new[] { "code" },
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.StartsWith("dcr_", body.GetProperty("client_id").GetString(), StringComparison.Ordinal);
        Assert.True(body.GetProperty("client_id_issued_at").GetInt64() > 0);
        Assert.Equal("Inspector", body.GetProperty("client_name").GetString());
        Assert.Equal("none", body.GetProperty("token_endpoint_auth_method").GetString());
        Assert.Equal("web", body.GetProperty("application_type").GetString());
        Assert.Equal(2, body.GetProperty("redirect_uris").GetArrayLength());
        Assert.False(body.TryGetProperty("client_secret", out _));
    }

    public static TheoryData<string, string> BadMetadata => new()
    {
        { """{"redirect_uris":["http://client.example/cb"]}""", "invalid_redirect_uri" },
        { """{"redirect_uris":["javascript:alert(1)"],"application_type":"native"}""", "invalid_redirect_uri" },
        { """{"redirect_uris":["https://client.example/cb#frag"]}""", "invalid_redirect_uri" },
        { """{"redirect_uris":["https://user:pw@client.example/cb"]}""", "invalid_redirect_uri" },
        { """{"redirect_uris":["cursor://callback"]}""", "invalid_redirect_uri" },
        { """{"redirect_uris":["/relative"]}""", "invalid_redirect_uri" },
        { """{"redirect_uris":[]}""", "invalid_redirect_uri" },
        { """{"client_name":"no redirect"}""", "invalid_redirect_uri" },
        { """{"redirect_uris":["https://client.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}""", "invalid_client_metadata" },
        { """{"redirect_uris":["https://client.example/cb"],"grant_types":["client_credentials"]}""", "invalid_client_metadata" },
        { """{"redirect_uris":["https://client.example/cb"],"grant_types":["implicit"]}""", "invalid_client_metadata" },
        { """{"redirect_uris":["https://client.example/cb"],"response_types":["token"]}""", "invalid_client_metadata" },
        { """{"redirect_uris":["https://client.example/cb"],"application_type":"desktop"}""", "invalid_client_metadata" },
        { """not json""", "invalid_client_metadata" },
        { """[1,2]""", "invalid_client_metadata" },
    };

    [Theory]
    [MemberData(nameof(BadMetadata))]
    public async Task Bad_client_metadata_is_refused_with_the_rfc_7591_error(string json, string error)
    {
        using var http = app.Host.CreateClient();

        var response = await http.PostAsync("/oauth/register", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_native_client_may_use_a_private_use_scheme_redirect()
    {
        using var http = app.Host.CreateClient();

        var response = await http.PostAsJsonAsync("/oauth/register", new { redirect_uris = new[] { "cursor://anysphere.cursor-retrieval/oauth/callback" }, application_type = "native" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
