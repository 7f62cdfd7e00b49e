using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using Platform.Sandbox.Network;
using Platform.Authentication;
using Platform.Testing;
using AuthProgram = Platform.Auth.Program;
using ToolExecutionProgram = Platform.ToolExecution.Program;

namespace Platform.ToolExecution.Tests;

/// <summary>ToolExecution in-process, verifying keys through a real in-process Auth, both on one fresh database.</summary>
public class McpApp(PlatformInfrastructure infrastructure) : IAsyncLifetime
{
    public const string AdminKey = "mcp_admin_tool-execution-tests-key-0123456789";
    public const string Issuer = "http://auth.test";

    public ServiceHost<AuthProgram> Auth { get; private set; } = null!;
    public ServiceHost<ToolExecutionProgram> Tools { get; private set; } = null!;
    public string Database { get; private set; } = "";

    /// <summary>Holds one workspace folder per tenant; deleted with the fixture.</summary>
    public string WorkspacesRoot { get; } = Path.Join(Path.GetTempPath(), "platform-tests-ws-" + Guid.NewGuid().ToString("N"));

    /// <summary>The tenant whose <c>http_fetch</c> is limited by <see cref="AllowlistedHost"/>.</summary>
    public const string AllowlistTenant = "allowlisted";
    public const string AllowlistedHost = "allowed.fetch.test";

    /// <summary>
    /// Test-only DNS: <c>*.fetch.test</c> names the loopback listener a test starts, the only blocked address the
    /// fetcher is allowed to reach (a literal 127.0.0.1 in a URL stays refused); <c>*.internal.test</c> answers with
    /// cloud metadata's address, which stays blocked. Everything else fails to resolve, so no test leaves the machine.
    /// </summary>
    private static readonly FetcherSettings LoopbackFetcher = new()
    {
        Resolve = (host, _) => Task.FromResult<IPAddress[]>(
            host.EndsWith(".fetch.test", StringComparison.OrdinalIgnoreCase) ? [IPAddress.Loopback]
            : host.EndsWith(".internal.test", StringComparison.OrdinalIgnoreCase) ? [IPAddress.Parse("169.254.169.254")]
            : []),
        ExemptAddresses = [IPAddress.Loopback],
    };

    public virtual async ValueTask InitializeAsync()
    {
        Database = await infrastructure.NewDatabaseAsync("tools");
        var authSettings = InProcessAuth.Settings(Database, AdminKey);
        authSettings["Auth:Plans:tiny:RequestsPerMinutePerKey"] = "3";
        authSettings["Auth:Tokens:Issuer"] = Issuer;
        authSettings["Auth:Tokens:Audiences:0"] = "http://localhost/mcp";
        authSettings["Auth:Tokens:Audiences:1"] = "http://other.test/mcp";
        // Tokens are stamped by Auth and checked by ToolExecution: both must share the real clock.
        Auth = new ServiceHost<AuthProgram>(authSettings) { UseFakeClock = false };
        var routeAuth = InProcessAuth.RouteAuthClientTo(Auth);
        var settings = new Dictionary<string, string?>(ExtraSettings)
        {
            ["ConnectionStrings:postgres"] = Database,
            ["ConnectionStrings:redis"] = infrastructure.RedisConnectionString,
            [ServiceCredential.ConfigurationKey] = InProcessAuth.ServiceKey,
            ["Authentication:Tokens:Issuer"] = Issuer,
            ["Tools:Workspaces:Root"] = WorkspacesRoot,
            ["Tools:Workspaces:QuotaBytes"] = "4096",
            ["Tools:Workspaces:MaxWriteBytes"] = "2048",
            ["Tools:HttpFetch:MaxResponseBytes"] = "1024",
            [$"Tools:HttpFetch:AllowedHosts:{AllowlistTenant}:0"] = AllowlistedHost,
        };
        Tools = new ServiceHost<ToolExecutionProgram>(settings, services =>
        {
            routeAuth(services);
            services.AddSingleton(LoopbackFetcher);
            ConfigureServices(services);
        })
        { UseFakeClock = false };
        _ = Auth.Server;
        if (ListensOnLoopback)
        {
            // External clients (node processes) need a real socket; port 0 lets the OS pick a free one.
            Tools.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            Tools.StartServer();
            var address = Tools.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            ListeningAddress = new Uri(address);
        }
        else
        {
            _ = Tools.Server;
        }
    }

    /// <summary>When true, ToolExecution listens on 127.0.0.1 (see <see cref="ListeningAddress"/>) instead of an in-memory test server.</summary>
    protected virtual bool ListensOnLoopback => false;

    /// <summary>The real address ToolExecution listens on, when <see cref="ListensOnLoopback"/>.</summary>
    public Uri? ListeningAddress { get; private set; }

    /// <summary>Creates a tenant and a key with the given scopes and tool patterns; returns the plaintext key.</summary>
    public async Task<string> KeyAsync(string[] scopes, string[]? toolPatterns = null, string? tenant = null, string? plan = null)
    {
        using var admin = Auth.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        tenant ??= "t" + Guid.NewGuid().ToString("N")[..10];
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

    /// <summary>A plain HTTP client for hand-made JSON-RPC: accepts JSON and SSE, with the key as bearer if given.</summary>
    public HttpClient RawClient(string? key)
    {
        var http = Tools.CreateClient();
        http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        http.DefaultRequestHeaders.Accept.ParseAdd("text/event-stream");
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http;
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

    /// <summary>Services a derived fixture adds to the ToolExecution host.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Settings a derived fixture adds to the ToolExecution host, such as upstream servers.</summary>
    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>();

    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await Tools.DisposeAsync();
        await Auth.DisposeAsync();
        if (Directory.Exists(WorkspacesRoot))
        {
            Directory.Delete(WorkspacesRoot, recursive: true);
        }
    }
}
