using System.Net.Http.Headers;
using System.Net.Http.Json;
using Platform.Auth.Keys;
using Platform.Auth.Tests.People;
using Platform.Auth.Tenants;
using Platform.Contracts.Auth;
using Platform.Authentication;
using Platform.Testing;

namespace Platform.Auth.Tests;

/// <summary>The Auth service in-process on its own database, with an admin client and a controllable clock.</summary>
public sealed class AuthApp : IAsyncLifetime
{
    public const string AdminKey = "mcp_admin_test-bootstrap-key-0123456789abcdefghij";
    public const string McpResource = "http://tools.test/mcp";
    public const string OtherResource = "http://other.test/mcp";

    /// <summary>What the platform's other services present on <c>/internal</c> endpoints.</summary>
    public const string ServiceKey = "svc_test-service-key-0123456789abcdefghijklmn";
    private readonly PlatformInfrastructure _infrastructure;

    public AuthApp(PlatformInfrastructure infrastructure) => _infrastructure = infrastructure;

    public ServiceHost<Program> Host { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public string Database { get; private set; } = "";

    /// <summary>Every log message the host wrote, as written and as redacted for the console and OTLP.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>Redis for sign-in limits; cheap Argon2 parameters, so tests stay fast; per-IP limits out of the way (tests share one client address).</summary>
    public static Dictionary<string, string?> PeopleSettings(PlatformInfrastructure infrastructure) => new()
    {
        ["ConnectionStrings:redis"] = infrastructure.RedisConnectionString,
        ["Auth:Passwords:MemoryKib"] = "1024",
        ["Auth:Passwords:Iterations"] = "1",
        ["Auth:People:AttemptsPerMinutePerIp"] = "100000",
        ["Auth:People:AttemptsPerMinutePerAccount"] = "1000",
    };

    public async ValueTask InitializeAsync()
    {
        var database = Database = await _infrastructure.NewDatabaseAsync("auth");
        var settings = Settings(database);
        foreach (var (key, value) in PeopleSettings(_infrastructure))
        {
            settings[key] = value;
        }

        Host = new ServiceHost<Program>(settings, services => services.AddPeopleTestServices(Logs));
        Admin = Host.CreateClient();
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Host.DisposeAsync();
    }

    public async Task<TenantResponse> CreateTenantAsync(string? id = null, string? status = null)
    {
        var response = await Admin.PostAsJsonAsync("/admin/tenants", new CreateTenantRequest(id ?? "t" + Guid.NewGuid().ToString("N")[..10], "Tenant", null, status));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TenantResponse>())!;
    }

    public async Task<IssuedApiKeyResponse> IssueKeyAsync(string tenantId, IssueApiKeyRequest? request = null)
    {
        var response = await Admin.PostAsJsonAsync($"/admin/tenants/{tenantId}/keys",
            request ?? new IssueApiKeyRequest("test key", null, ["write"], null, null, null));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<IssuedApiKeyResponse>())!;
    }

    /// <summary>Auth's settings on <paramref name="database"/>, service key included.</summary>
    public static Dictionary<string, string?> Settings(string database) => new()
    {
        ["ConnectionStrings:postgres"] = database,
        ["Auth:BootstrapAdminKey"] = AdminKey,
        ["Auth:Peppers:v1"] = Convert.ToBase64String(new byte[32]),
        ["Auth:Tokens:Audiences:0"] = McpResource,
        ["Auth:Tokens:Audiences:1"] = OtherResource,
        [ServiceCredential.ConfigurationKey] = ServiceKey,
    };

    /// <summary>A verification call as ToolExecution makes it, with the service credential.</summary>
    public async Task<VerifyKeyResponse> VerifyAsync(string key, string? clientIp = "127.0.0.1")
    {
        using var client = Host.CreateClient();
        client.DefaultRequestHeaders.Add(ServiceCredential.HeaderName, ServiceKey);
        var response = await client.PostAsJsonAsync("/internal/keys/verify", new VerifyKeyRequest(key, clientIp));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<VerifyKeyResponse>())!;
    }
}
