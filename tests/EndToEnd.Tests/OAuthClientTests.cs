using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Platform.Provisioning;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Issue 18's interactive flow with a real client on the real AppHost: <c>clients/oauth-client.mjs</c> (the official
/// TypeScript SDK's OAuth client) knows only the MCP URL, discovers, registers, gets a person's authorization, calls
/// tools, refreshes, meets a 403 and steps up; this test plays the person's browser (<see cref="SignInDriver"/>) and
/// hands each authorization code back through the handshake folder.
/// </summary>
public sealed class OAuthClientTests(RunningPlatform platform) : IClassFixture<RunningPlatform>
{
    private const string RedirectUri = "http://127.0.0.1:33418/callback";
    private const string Password = "correct horse battery staple 18";

    [Fact]
    public async Task Sdk_client_discovers_the_resource_and_its_authorization_server_from_the_401_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        var handshake = Directory.CreateTempSubdirectory("platform-oauth-discovery-");
        try
        {
            var mcpUrl = new Uri(platform.Url(RunningPlatform.ToolExecution), "/mcp");
            await NodePackages.EnsureInstalledAsync(TypeScriptClient.Directory, Path.Combine(TypeScriptClient.Directory, "node_modules", "@modelcontextprotocol", "sdk"), ct);
            var (exit, output) = await NodePackages.RunAsync("node", ["oauth-client.mjs"], TypeScriptClient.Directory, new Dictionary<string, string>
            {
                ["MCP_URL"] = mcpUrl.ToString(),
                ["OAUTH_HANDSHAKE_DIR"] = handshake.FullName,
                ["OAUTH_DISCOVERY_ONLY"] = "1",
            }, ct);

            Assert.True(exit == 0, $"oauth-client.mjs exited {exit}:\n{output}");
            // The SDK followed the 401 to ToolExecution's RFC 9728 metadata, and from it to Auth's RFC 8414 metadata.
            var lookedUp = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.GetProperty("wellKnown").EnumerateArray().ToList();
            var issuer = platform.Url(RunningPlatform.Auth).ToString().TrimEnd('/');
            var resource = lookedUp.First(d => d.TryGetProperty("body", out var body) && body.ValueKind == JsonValueKind.Object).GetProperty("body");
            Assert.Equal(mcpUrl.ToString(), resource.GetProperty("resource").GetString());
            Assert.Equal([issuer], resource.GetProperty("authorization_servers").EnumerateArray().Select(s => s.GetString()!.TrimEnd('/')));
            Assert.Equal(["tools:call", "tools:list"], resource.GetProperty("scopes_supported").EnumerateArray().Select(s => s.GetString()));
            Assert.Contains(lookedUp, d => d.GetProperty("url").GetString() == issuer + "/.well-known/oauth-authorization-server" && d.GetProperty("status").GetInt32() == 200);
        }
        finally
        {
            handshake.Delete(recursive: true);
        }
    }

    [Fact]
    public Task Sdk_client_registers_by_dcr_signs_a_person_in_calls_echo_refreshes_and_steps_up() =>
        RunFlowAsync(clientMetadataUrl: null);

    [Fact(Skip = "Client ID Metadata Documents are not served by Auth yet (issue 18); and Auth must be allowed to fetch the test's CIMD document from its loopback "
        + "https listener (an SSRF-guard exemption and trust of its self-signed certificate, test configuration only)")]
    public async Task Sdk_client_with_a_client_id_metadata_document_signs_a_person_in_and_calls_echo()
    {
        await using var document = await ClientMetadataDocument.StartAsync(RedirectUri, TestContext.Current.CancellationToken);
        await RunFlowAsync(document.Url);
    }

    private async Task RunFlowAsync(Uri? clientMetadataUrl)
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = "oauth-" + Guid.NewGuid().ToString("N")[..8];
        var email = $"member-{Guid.NewGuid():N}@example.com";
        using var admin = platform.Client(RunningPlatform.Auth, platform.AdminKey);
        (await admin.PostAsJsonAsync("/admin/tenants", new { id = tenant, name = "OAuth e2e" }, ct)).EnsureSuccessStatusCode();
        await CreateMemberAsync(admin, tenant, email, ct);

        var handshake = Directory.CreateTempSubdirectory("platform-oauth-handshake-");
        try
        {
            var mcpUrl = new Uri(platform.Url(RunningPlatform.ToolExecution), "/mcp");
            var environment = new Dictionary<string, string>
            {
                ["MCP_URL"] = mcpUrl.ToString(),
                ["OAUTH_HANDSHAKE_DIR"] = handshake.FullName,
                ["OAUTH_REDIRECT_URL"] = RedirectUri,
                ["OAUTH_INITIAL_SCOPE"] = "tools:list",
            };
            if (clientMetadataUrl is not null)
            {
                environment["OAUTH_CLIENT_METADATA_URL"] = clientMetadataUrl.ToString();
            }

            await NodePackages.EnsureInstalledAsync(TypeScriptClient.Directory, Path.Combine(TypeScriptClient.Directory, "node_modules", "@modelcontextprotocol", "sdk"), ct);
            var client = NodePackages.RunAsync("node", ["oauth-client.mjs"], TypeScriptClient.Directory, environment, ct);
            using var browser = new SignInDriver();
            var issuer = platform.Url(RunningPlatform.Auth).ToString().TrimEnd('/');
            var redirects = new List<Uri>();
            for (var n = 1; ; n++)
            {
                var request = Path.Combine(handshake.FullName, $"authorize-{n}.url");
                await Poll.UntilAsync(() => File.Exists(request) || client.IsCompleted, TimeSpan.FromSeconds(150), $"authorization request {n}");
                if (!File.Exists(request))
                {
                    break;
                }

                var redirect = await browser.AuthorizeAsync(new Uri(await File.ReadAllTextAsync(request, ct)), email, Password, RedirectUri, ct);
                redirects.Add(redirect);
                var answer = System.Web.HttpUtility.ParseQueryString(redirect.Query);
                var code = answer["code"] is { Length: > 0 } c ? c : "error=" + (answer["error"] ?? "no code");
                var file = Path.Combine(handshake.FullName, $"code-{n}.txt");
                await File.WriteAllTextAsync(file + ".tmp", code, ct);
                File.Move(file + ".tmp", file);
            }

            var (exit, output) = await client;
            var result = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
            Assert.True(exit == 0, $"oauth-client.mjs exited {exit}:\n{output}\n{string.Join('\n', browser.Trail)}");

            // Discovery from the 401 alone: the resource is /mcp, its authorization server is Auth's issuer.
            var discovery = result.GetProperty("discovery");
            Assert.Equal(mcpUrl.ToString().TrimEnd('/'), discovery.GetProperty("resource").GetString()!.TrimEnd('/'));
            Assert.Equal(issuer, discovery.GetProperty("authorizationServer").GetString()!.TrimEnd('/'));
            Assert.Contains("S256", discovery.GetProperty("pkceMethods").EnumerateArray().Select(m => m.GetString()));
            Assert.Equal(clientMetadataUrl?.ToString() ?? result.GetProperty("clientId").GetString(), result.GetProperty("clientId").GetString());

            // Two authorizations: the first for tools:list, the step-up for what the 403 named. Each redirect carried
            // the code, the client's state and the issuer (RFC 9207).
            var authorizations = result.GetProperty("authorizations").EnumerateArray().ToList();
            Assert.Equal(2, authorizations.Count);
            Assert.All(redirects, r =>
            {
                var query = System.Web.HttpUtility.ParseQueryString(r.Query);
                Assert.Equal(issuer, query["iss"]?.TrimEnd('/'));
                Assert.False(string.IsNullOrEmpty(query["state"]));
            });
            Assert.All(authorizations, a => Assert.Equal("S256", a.GetProperty("codeChallengeMethod").GetString()));
            Assert.All(authorizations, a => Assert.Equal(mcpUrl.ToString().TrimEnd('/'), a.GetProperty("resource").GetString()!.TrimEnd('/')));
            var first = authorizations[0].GetProperty("tokenClaims");
            Assert.Equal("person", first.GetProperty("sub_kind").GetString());
            Assert.Equal(["offline_access", "tools:list"], first.GetProperty("scope").GetString()!.Split(' ').Order());
            Assert.True(first.GetProperty("hasGid").GetBoolean());
            // The 403 names the scope the call needs beside those the token holds, so re-authorizing with it loses nothing.
            var challenged = System.Text.RegularExpressions.Regex.Match(result.GetProperty("stepUpChallenge").GetString()!, "scope=\"([^\"]*)\"").Groups[1].Value.Split(' ');
            Assert.Contains("tools:call", challenged);
            Assert.Contains("tools:list", challenged);
            Assert.Contains("tools:call", authorizations[1].GetProperty("scope").GetString()!.Split(' '));
            Assert.Equal(["offline_access", "tools:call", "tools:list"], authorizations[1].GetProperty("tokenClaims").GetProperty("scope").GetString()!.Split(' ').Order());

            Assert.Contains("echo", result.GetProperty("tools").EnumerateArray().Select(t => t.GetString()));
            var refresh = result.GetProperty("refresh");
            Assert.Equal("AUTHORIZED", refresh.GetProperty("result").GetString());
            Assert.True(refresh.GetProperty("newAccessToken").GetBoolean());
            Assert.True(refresh.GetProperty("rotatedRefreshToken").GetBoolean(), "a public client's refresh token rotates on every use");
            Assert.Equal("from the oauth client", result.GetProperty("echo").GetString());

            // The call is in the audit chain under the person and the client.
            var person = authorizations[1].GetProperty("tokenClaims").GetProperty("sub").GetString()!;
            var clientId = result.GetProperty("clientId").GetString()!;
            using var audit = platform.Client(RunningPlatform.Audit, platform.AdminKey);
            var records = await Poll.ValueAsync(
                async () => (await audit.GetFromJsonAsync<JsonElement>($"/audit/records?person={Uri.EscapeDataString(person)}&client={Uri.EscapeDataString(clientId)}&action=tool.call", ct))
                    .GetProperty("records").EnumerateArray().ToList(),
                found => found.Any(r => r.GetProperty("target").GetString() == "tool:echo" && r.GetProperty("outcome").GetString() == "completed"),
                TimeSpan.FromSeconds(30));
            Assert.Contains(records, r => r.GetProperty("target").GetString() == "tool:echo" && r.GetProperty("outcome").GetString() == "completed");
            Assert.All(records, r => Assert.Equal(tenant, r.GetProperty("tenantId").GetString()));
        }
        finally
        {
            handshake.Delete(recursive: true);
        }
    }

    /// <summary>A member invited by the tenant's admin who accepted the invitation with a password, in a browser of their own.</summary>
    private static async Task CreateMemberAsync(HttpClient admin, string tenant, string email, CancellationToken ct)
    {
        var response = await admin.PostAsJsonAsync($"/admin/tenants/{tenant}/invitations",
            new { email, displayName = "E2E Member", roles = new[] { "write" } }, ct);
        Assert.True(response.IsSuccessStatusCode, $"inviting a member: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        var invitation = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        using var browser = new SignInDriver();
        await browser.AcceptInvitationAsync(new Uri(invitation.GetProperty("url").GetString()!), Password, ct);
    }

    /// <summary>A Client ID Metadata Document served over https on loopback, as a CIMD client publishes its own.</summary>
    private sealed class ClientMetadataDocument : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private ClientMetadataDocument(WebApplication app, Uri url)
        {
            _app = app;
            Url = url;
        }

        public Uri Url { get; }

        public static async Task<ClientMetadataDocument> StartAsync(string redirectUri, CancellationToken ct)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
            using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
            var certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);

            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
            var app = builder.Build();
            Uri? self = null;
            app.MapGet("/oauth/client.json", () => Results.Json(new Dictionary<string, object>
            {
                ["client_id"] = self!.ToString(),
                ["client_name"] = "Platform e2e CIMD client",
                ["redirect_uris"] = new[] { redirectUri },
                ["grant_types"] = new[] { "authorization_code", "refresh_token" },
                ["response_types"] = new[] { "code" },
                ["token_endpoint_auth_method"] = "none",
            }));
            await app.StartAsync(ct);
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            self = new Uri(address, "/oauth/client.json");
            return new ClientMetadataDocument(app, self);
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
