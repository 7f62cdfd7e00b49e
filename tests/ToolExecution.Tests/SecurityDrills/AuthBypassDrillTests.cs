using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Platform.Testing;

namespace Platform.ToolExecution.Tests.SecurityDrills;

/// <summary>
/// Issue 8's auth-bypass drill, run as an attacker would: every way of presenting no, a broken, a stale or a forged
/// credential to <c>/mcp</c>. Each one is a 401 with a Bearer challenge, the tool never runs, and the answer never
/// echoes the credential back. A real key and token are checked first, so a broken setup cannot pass vacuously.
/// </summary>
public sealed class AuthBypassDrillTests(McpApp app) : IClassFixture<McpApp>
{
    private const string Call = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"message":"bypass-marker"}}}""";

    /// <summary>One attack: what the attacker sends instead of a good credential.</summary>
    public sealed record Attack(string? Authorization, string Query = "", string[]? ExtraAuthorization = null);

    public static TheoryData<string> Attacks =>
    [
        "none", "empty bearer", "garbage", "wrong checksum", "unknown key with a valid checksum", "expired key", "revoked key",
        "wrong audience (token issued for another resource)", "audience edited in the payload", "alg none", "forged signature with the real kid",
        "token signed by Auth for a revoked key", "key in the query string", "token in the query string", "header injection (CRLF)",
        "two Authorization headers", "Basic scheme carrying the key", "key with a trailing NUL", "admin claim added to a real token",
    ];

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task Attack_gets_401_with_a_challenge_and_the_tool_never_runs(string name)
    {
        var attack = await BuildAsync(name);
        using var http = app.Tools.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp" + attack.Query) { Content = new StringContent(Call, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (attack.Authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", attack.Authorization);
        }

        foreach (var extra in attack.ExtraAuthorization ?? [])
        {
            request.Headers.TryAddWithoutValidation("Authorization", extra);
        }

        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Contains("resource_metadata=", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("bypass-marker", body, StringComparison.Ordinal);
        foreach (var secret in new[] { _key, _token }.Where(s => s is not null))
        {
            Assert.DoesNotContain(secret!, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_real_key_and_token_used_to_build_the_attacks_do_work()
    {
        var key = await KeyAsync();
        foreach (var credential in new[] { key, await app.TokenAsync(key) })
        {
            using var http = app.Tools.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(Call, Encoding.UTF8, "application/json") };
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);

            var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("bypass-marker", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
    }

    private string? _key;
    private string? _token;

    private async Task<string> KeyAsync() => _key = await app.KeyAsync(["tools:list", "tools:call"]);

    private async Task<Attack> BuildAsync(string name)
    {
        switch (name)
        {
            case "none": return new(null);
            case "empty bearer": return new("Bearer ");
            case "garbage": return new("Bearer not-a-key-at-all");
            case "wrong checksum":
            {
                var key = await KeyAsync();
                return new("Bearer " + key[..^1] + (key[^1] == 'a' ? 'b' : 'a'));
            }

            case "unknown key with a valid checksum":
            {
                var key = await KeyAsync();
                return new("Bearer " + Credentials.ApiKeys.ApiKeyFormat.GenerateSecretFor("mcp", "live", key.Split('_')[2]).Plaintext);
            }

            case "expired key": return new("Bearer " + await ExpiredKeyAsync());
            case "revoked key":
            {
                var key = await KeyAsync();
                await RevokeAsync(key);
                return new("Bearer " + key);
            }

            case "wrong audience (token issued for another resource)":
                return new("Bearer " + (_token = await app.TokenAsync(await KeyAsync(), "http://other.test/mcp")));
            case "audience edited in the payload":
            {
                var parts = (_token = await app.TokenAsync(await KeyAsync(), "http://other.test/mcp")).Split('.');
                var claims = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64UrlDecode(parts[1]))!;
                claims["aud"] = JsonSerializer.SerializeToElement("http://localhost/mcp");
                return new("Bearer " + parts[0] + "." + Base64Url(JsonSerializer.Serialize(claims)) + "." + parts[2]);
            }

            case "alg none":
            {
                var parts = (_token = await app.TokenAsync(await KeyAsync())).Split('.');
                return new("Bearer " + Base64Url("""{"alg":"none","typ":"JWT"}""") + "." + parts[1] + ".");
            }

            case "forged signature with the real kid":
            {
                // The attacker copies the header (with Auth's key id) and claims, and signs with a key of their own.
                var parts = (_token = await app.TokenAsync(await KeyAsync())).Split('.');
                using var attackerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var signature = attackerKey.SignData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), HashAlgorithmName.SHA256);
                return new("Bearer " + parts[0] + "." + parts[1] + "." + Base64Url(signature));
            }

            case "token signed by Auth for a revoked key":
            {
                var key = await KeyAsync();
                _token = await app.TokenAsync(key);
                await RevokeAsync(key);
                return new("Bearer " + _token);
            }

            case "key in the query string": return new(null, "?api_key=" + Uri.EscapeDataString(await KeyAsync()));
            case "token in the query string": return new(null, "?access_token=" + Uri.EscapeDataString(_token = await app.TokenAsync(await KeyAsync())));
            case "header injection (CRLF)": return new("Bearer " + await KeyAsync() + "\r\nX-Tenant: other");
            case "two Authorization headers": return new("Bearer " + await KeyAsync(), ExtraAuthorization: ["Bearer mcp_live_garbage"]);
            case "Basic scheme carrying the key": return new("Basic " + Convert.ToBase64String(Encoding.ASCII.GetBytes(":" + await KeyAsync())));
            case "key with a trailing NUL": return new("Bearer " + await KeyAsync() + "\0");
            case "admin claim added to a real token":
            {
                var parts = (_token = await app.TokenAsync(await KeyAsync())).Split('.');
                var claims = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64UrlDecode(parts[1]))!;
                claims["scope"] = JsonSerializer.SerializeToElement("admin tools:call");
                return new("Bearer " + parts[0] + "." + Base64Url(JsonSerializer.Serialize(claims)) + "." + parts[2]);
            }

            default: throw new ArgumentOutOfRangeException(nameof(name), name, "unknown attack");
        }
    }

    /// <summary>
    /// A key that expires five seconds after issue (room for a loaded CI machine), used once while valid (so ToolExecution has it cached), then
    /// presented after its expiry: the cache must not outlive the key.
    /// </summary>
    private async Task<string> ExpiredKeyAsync()
    {
        using var admin = AdminClient();
        var tenant = "t" + Guid.NewGuid().ToString("N")[..10];
        (await admin.PostAsJsonAsync("/admin/tenants", new { id = tenant, name = "T" })).EnsureSuccessStatusCode();
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(5);
        var issued = await admin.PostAsJsonAsync($"/admin/tenants/{tenant}/keys", new { name = "short-lived", scopes = new[] { "tools:call" }, expiresAt });
        var key = _key = (await issued.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await PingAsync(key));
        while (DateTimeOffset.UtcNow <= expiresAt.AddMilliseconds(100))
        {
            await Task.Delay(100);
        }

        return key;
    }

    private async Task RevokeAsync(string key)
    {
        using var admin = AdminClient();
        (await admin.PostAsJsonAsync($"/admin/keys/{key.Split('_')[2]}/revoke", new { reason = "drill" })).EnsureSuccessStatusCode();
        // Revocation reaches ToolExecution's cache through a PostgreSQL notification; wait until it has (< 1 s).
        await Poll.UntilAsync(async () => await PingAsync(key) == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(5),
            "the revoked key is refused", TimeSpan.FromMilliseconds(50));
    }

    private async Task<HttpStatusCode> PingAsync(string credential)
    {
        using var http = app.Tools.CreateClient();
        using var probe = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", Encoding.UTF8, "application/json") };
        probe.Headers.Accept.ParseAdd("application/json");
        probe.Headers.Accept.ParseAdd("text/event-stream");
        probe.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return (await http.SendAsync(probe)).StatusCode;
    }

    private HttpClient AdminClient()
    {
        var admin = app.Auth.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", McpApp.AdminKey);
        return admin;
    }

    private static string Base64Url(string json) => Base64Url(Encoding.UTF8.GetBytes(json));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - padded.Length % 4) % 4));
    }
}
