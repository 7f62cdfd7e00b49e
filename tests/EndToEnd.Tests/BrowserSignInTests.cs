using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.Playwright;
using ModelContextProtocol.Client;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Issue 18 in a real browser: a person accepts an invitation, adds a passkey, and later authorizes an MCP client with
/// that passkey alone, narrowing its scopes on the consent page; the client's token then reaches exactly what was
/// granted. Chromium (Debian's) with a virtual authenticator; the platform is the real AppHost.
/// </summary>
public sealed class BrowserSignInTests(RunningPlatform platform) : IClassFixture<RunningPlatform>
{
    private const string RedirectUri = "http://127.0.0.1:33419/callback";
    private const string Password = "a long passphrase for the browser test";

    [Fact]
    public async Task A_person_adds_a_passkey_then_authorizes_a_client_with_it_and_narrows_the_scopes()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = platform.Client(RunningPlatform.Auth, platform.AdminKey);
        var tenant = "browser-" + Guid.NewGuid().ToString("N")[..8];
        (await admin.PostAsJsonAsync("/admin/tenants", new { id = tenant, name = "Browser e2e" }, ct)).EnsureSuccessStatusCode();
        var invited = await admin.PostAsJsonAsync($"/admin/tenants/{tenant}/invitations",
            new { email = $"person-{Guid.NewGuid():N}@example.com", displayName = "Browser Person", roles = new[] { "write" } }, ct);
        Assert.True(invited.IsSuccessStatusCode, await invited.Content.ReadAsStringAsync(ct));
        var invitation = await invited.Content.ReadFromJsonAsync<JsonElement>(ct);

        await using var chromium = await Chromium.LaunchAsync();
        var page = chromium.Page;

        // The invitation: choose a password, which signs the person in.
        var opened = await page.GotoAsync(invitation.GetProperty("url").GetString()!, new() { WaitUntil = WaitUntilState.Commit });
        Assert.True(opened is { Ok: true }, $"the invitation page answered {opened?.Status}: {await page.ContentAsync()}");
        await page.Locator("input[name=password]").FillAsync(Password);
        await page.Locator("input[name=confirmPassword]").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password and sign in" }).ClickAsync();
        // Waits for what the person sees, not for load events (a busy machine can hold those past any timeout).
        var addPasskey = page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey" });
        await addPasskey.WaitForAsync(new() { Timeout = 60_000 });

        // A passkey from the account page; the authenticator now holds one for Auth's host.
        var registration = page.WaitForResponseAsync(
            r => r.Request.Method == "POST" && new Uri(r.Url).AbsolutePath == "/account/passkeys/register", new() { Timeout = 60_000 });
        await addPasskey.ClickAsync();
        Assert.Equal(303, (await registration).Status);
        await Poll.UntilAsync(async () => (await chromium.PasskeyRelyingPartiesAsync()).Count == 1, TimeSpan.FromSeconds(15), "the passkey registration");
        Assert.Equal([platform.Url(RunningPlatform.Auth).Host], await chromium.PasskeyRelyingPartiesAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync(new() { Timeout = 60_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).WaitForAsync(new() { Timeout = 60_000 });

        // A client registers (RFC 7591) and sends the person to authorize it, asking for both tool scopes.
        var mcp = new Uri(platform.Url(RunningPlatform.ToolExecution), "/mcp").ToString();
        using var anonymous = platform.Client(RunningPlatform.Auth, key: null);
        var registered = await anonymous.PostAsJsonAsync("/oauth/register", new Dictionary<string, object>
        {
            ["client_name"] = "Browser Test Client",
            ["redirect_uris"] = new[] { RedirectUri },
            ["token_endpoint_auth_method"] = "none",
            ["application_type"] = "native",
            ["grant_types"] = new[] { "authorization_code", "refresh_token" },
            ["response_types"] = new[] { "code" },
        }, ct);
        Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync(ct));
        var clientId = (await registered.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("client_id").GetString()!;
        var verifier = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var state = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        var authorize = $"{platform.Url(RunningPlatform.Auth).ToString().TrimEnd('/')}/oauth/authorize?response_type=code"
            + $"&client_id={Uri.EscapeDataString(clientId)}&redirect_uri={Uri.EscapeDataString(RedirectUri)}"
            + $"&scope={Uri.EscapeDataString("tools:list tools:call")}&state={state}&resource={Uri.EscapeDataString(mcp)}"
            + $"&code_challenge={System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)))}&code_challenge_method=S256";

        // The client's redirect URI is not served: the browser's navigation to it is caught and answered here.
        var callback = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(RedirectUri + "**", async route =>
        {
            callback.TrySetResult(new Uri(route.Request.Url));
            await route.FulfillAsync(new() { Status = 200, Body = "You may close this window." });
        });

        // Not signed in: the authorization request leads to sign-in, where the passkey alone is enough.
        await page.GotoAsync(authorize, new() { WaitUntil = WaitUntilState.Commit });
        var passkeySignIn = page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" });
        await passkeySignIn.WaitForAsync(new() { Timeout = 60_000 });
        Assert.Equal("/account/signin", new Uri(page.Url).AbsolutePath);
        await passkeySignIn.ClickAsync();

        // Consent names the client and where the code goes; the person grants tools:list only.
        var allow = page.GetByRole(AriaRole.Button, new() { Name = "Allow" });
        await allow.WaitForAsync(new() { Timeout = 60_000 });
        var consent = await page.ContentAsync();
        Assert.Contains("Browser Test Client", consent, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", consent, StringComparison.Ordinal);
        await page.Locator("input[name=scope][value='tools:call']").UncheckAsync();
        await allow.ClickAsync();

        var redirect = await callback.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        var answer = System.Web.HttpUtility.ParseQueryString(redirect.Query);
        Assert.Equal(state, answer["state"]);
        Assert.Equal(platform.Url(RunningPlatform.Auth).ToString().TrimEnd('/'), answer["iss"]?.TrimEnd('/'));

        var exchanged = await anonymous.PostAsync("/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = answer["code"]!,
            ["redirect_uri"] = RedirectUri,
            ["client_id"] = clientId,
            ["code_verifier"] = verifier,
            ["resource"] = mcp,
        }), ct);
        Assert.True(exchanged.IsSuccessStatusCode, await exchanged.Content.ReadAsStringAsync(ct));
        var tokens = await exchanged.Content.ReadFromJsonAsync<JsonElement>(ct);
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        var claims = new JsonWebToken(accessToken);
        Assert.Equal("person", claims.GetClaim("sub_kind").Value);
        Assert.Equal(invitation.GetProperty("personId").GetString(), claims.Subject);
        // What the person left ticked: tools:list, and refresh tokens (offered to a client registered for them).
        Assert.Equal(["offline_access", "tools:list"], claims.GetClaim("scope").Value.Split(' ').Order());
        Assert.True(tokens.TryGetProperty("refresh_token", out _));
        Assert.Equal([mcp], claims.Audiences);

        // The token lists tools, and calling one is refused for the scope the person left out.
        await using var client = await ConnectAsync(accessToken, ct);
        Assert.Contains(await client.ListToolsAsync(cancellationToken: ct), tool => tool.Name == "echo");
        using var call = platform.Client(RunningPlatform.ToolExecution, accessToken);
        var refused = await call.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = JsonContent.Create(new { jsonrpc = "2.0", id = 1, method = "tools/call", @params = new { name = "echo", arguments = new { text = "hi" } } }),
            Headers = { { "Accept", "application/json, text/event-stream" }, { "MCP-Protocol-Version", "2025-11-25" } },
        }, ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("insufficient_scope", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Contains("tools:call", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    private async Task<McpClient> ConnectAsync(string token, CancellationToken ct)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(platform.Url(RunningPlatform.ToolExecution), "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }, platform.Client(RunningPlatform.ToolExecution, token), null, ownsHttpClient: true);
        return await McpClient.CreateAsync(transport, cancellationToken: ct);
    }
}
