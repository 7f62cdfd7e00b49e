using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Platform.ToolExecution.Tests;

/// <summary>OAuth access tokens from Auth, validated locally by ToolExecution against the JWKS.</summary>
public sealed class AccessTokenTests(McpApp app) : IClassFixture<McpApp>
{
    private const string ListTools = """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""";

    private async Task<HttpStatusCode> ListWithAsync(string bearer)
    {
        using var http = app.Tools.CreateClient();
        http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        http.DefaultRequestHeaders.Accept.ParseAdd("text/event-stream");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return (await http.PostAsync("/mcp", new StringContent(ListTools, Encoding.UTF8, "application/json"))).StatusCode;
    }

    [Fact]
    public async Task Access_token_calls_echo_through_the_csharp_mcp_client()
    {
        var token = await app.TokenAsync(await app.KeyAsync(["tools:list", "tools:call"]));
        await using var client = await app.ClientAsync(token);

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "via jwt" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("via jwt", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task Token_for_another_resource_is_refused()
    {
        var token = await app.TokenAsync(await app.KeyAsync(["tools:list"]), "http://other.test/mcp");

        Assert.Equal(HttpStatusCode.Unauthorized, await ListWithAsync(token));
    }

    [Fact]
    public async Task Forged_and_unsigned_tokens_are_refused()
    {
        var token = await app.TokenAsync(await app.KeyAsync(["tools:list"]));
        var parts = token.Split('.');
        var forgedSignature = parts[0] + "." + parts[1] + "." + (parts[2][0] == 'A' ? 'B' : 'A') + parts[2][1..];
        var unsigned = Base64Url("""{"alg":"none","typ":"JWT"}""") + "." + parts[1] + ".";
        var otherPayload = parts[0] + "." + Base64Url("""{"sub":"someone","tenant":"x","scope":"admin","aud":"http://localhost/mcp","iss":"http://auth.test","exp":4102444800}""") + "." + parts[2];

        Assert.Equal(HttpStatusCode.OK, await ListWithAsync(token));
        Assert.Equal(HttpStatusCode.Unauthorized, await ListWithAsync(forgedSignature));
        Assert.Equal(HttpStatusCode.Unauthorized, await ListWithAsync(unsigned));
        Assert.Equal(HttpStatusCode.Unauthorized, await ListWithAsync(otherPayload));
    }

    [Fact]
    public async Task Token_of_a_revoked_key_is_refused_without_waiting_for_it_to_expire()
    {
        var key = await app.KeyAsync(["tools:list"]);
        var token = await app.TokenAsync(key);
        Assert.Equal(HttpStatusCode.OK, await ListWithAsync(token));

        using var admin = app.Auth.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", McpApp.AdminKey);
        (await admin.PostAsJsonAsync($"/admin/keys/{key.Split('_')[2]}/revoke", new { reason = "leaked" })).EnsureSuccessStatusCode();

        var deadline = DateTimeOffset.UtcNow.AddSeconds(5);
        var status = HttpStatusCode.OK;
        while (status == HttpStatusCode.OK && DateTimeOffset.UtcNow < deadline)
        {
            status = await ListWithAsync(token);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    private static string Base64Url(string json) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
