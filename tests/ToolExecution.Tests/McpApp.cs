extern alias AuthService;
extern alias ToolExecutionService;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using Platform.Testing;
using AuthProgram = AuthService::Program;
using ToolExecutionProgram = ToolExecutionService::Program;

namespace Platform.ToolExecution.Tests;

/// <summary>ToolExecution in-process, verifying keys through a real in-process Auth, both on one fresh database.</summary>
public sealed class McpApp(PlatformInfrastructure infrastructure) : IAsyncLifetime
{
    public const string AdminKey = "mcp_admin_tool-execution-tests-key-0123456789";
    public const string Issuer = "http://auth.test";

    public ServiceHost<AuthProgram> Auth { get; private set; } = null!;
    public ServiceHost<ToolExecutionProgram> Tools { get; private set; } = null!;
    public string Database { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Database = await infrastructure.NewDatabaseAsync("tools");
        var authSettings = InProcessAuth.Settings(Database, AdminKey);
        authSettings["Auth:Plans:tiny:RequestsPerMinutePerKey"] = "3";
        authSettings["Auth:Tokens:Issuer"] = Issuer;
        authSettings["Auth:Tokens:Audiences:0"] = "http://localhost/mcp";
        authSettings["Auth:Tokens:Audiences:1"] = "http://other.test/mcp";
        // Tokens are stamped by Auth and checked by ToolExecution: both must share the real clock.
        Auth = new ServiceHost<AuthProgram>(authSettings) { UseFakeClock = false };
        Tools = new ServiceHost<ToolExecutionProgram>(new Dictionary<string, string?>
            {
                ["ConnectionStrings:postgres"] = Database,
                ["ConnectionStrings:redis"] = infrastructure.RedisConnectionString,
                ["Authentication:Tokens:Issuer"] = Issuer,
            },
            InProcessAuth.RouteAuthClientTo(Auth))
        { UseFakeClock = false };
        _ = Auth.Server;
        _ = Tools.Server;
    }

    /// <summary>Creates a tenant and a key with the given scopes and tool patterns; returns the plaintext key.</summary>
    public async Task<string> KeyAsync(string[] scopes, string[]? toolPatterns = null, string? plan = null)
    {
        using var admin = Auth.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        var tenant = "t" + Guid.NewGuid().ToString("N")[..10];
        (await admin.PostAsJsonAsync("/admin/tenants", new { id = tenant, name = "T", plan })).EnsureSuccessStatusCode();
        var response = await admin.PostAsJsonAsync($"/admin/tenants/{tenant}/keys", new { name = "k", scopes, toolPatterns });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    /// <summary>An access token from Auth's token endpoint for the given key.</summary>
    public async Task<string> TokenAsync(string key, string? resource = null)
    {
        using var http = Auth.CreateClient();
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_secret"] = key };
        if (resource is not null)
        {
            form["resource"] = resource;
        }

        var response = await http.PostAsync("/oauth/token", new FormUrlEncodedContent(form));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    public async Task<McpClient> ClientAsync(string key)
    {
        var http = Tools.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(http.BaseAddress!, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }, http, null, ownsHttpClient: true);
        return await McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Tools.DisposeAsync();
        await Auth.DisposeAsync();
    }
}
