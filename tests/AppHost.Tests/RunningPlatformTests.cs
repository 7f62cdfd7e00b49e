using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Platform.Provisioning;
using Platform.Testing;

namespace Platform.AppHost.Tests;

/// <summary>
/// The whole platform from the real AppHost, on a fresh database of the test run's PostgreSQL and on its Redis (both
/// configured, as an operator would with <c>ConnectionStrings__*</c>). One run for every test of the class.
/// </summary>
public sealed class RunningPlatform(PlatformInfrastructure infrastructure) : IAsyncLifetime
{
    private AppHostRun? _run;

    public AppHostRun Run => _run ?? throw new InvalidOperationException("Not started.");

    public string PostgresConnectionString { get; private set; } = "";

    public string RedisConnectionString => infrastructure.RedisConnectionString;

    public string StateFile => Path.Combine(Run.DataDirectory.FullName, "state.json");

    public async ValueTask InitializeAsync()
    {
        PostgresConnectionString = await infrastructure.NewDatabaseAsync("apphost");
        _run = await AppHostRun.StartAsync(settings: new Dictionary<string, string?>
        {
            ["ConnectionStrings:postgres"] = PostgresConnectionString,
            ["ConnectionStrings:redis"] = RedisConnectionString,
        });

        // Written once every service is healthy, by the AppHost's own watcher, which may come just after ours.
        await Poll.UntilAsync(() => File.Exists(StateFile), TimeSpan.FromSeconds(30), "state.json is written");
    }

    public async ValueTask DisposeAsync()
    {
        if (_run is not null)
        {
            await _run.DisposeAsync();
        }
    }
}

public sealed partial class RunningPlatformTests(RunningPlatform platform) : IClassFixture<RunningPlatform>
{
    private static readonly string[] Services = ["auth", "tool-execution", "audit"];
    private static readonly UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private AppHostRun Run => platform.Run;

    [Fact]
    public async Task State_file_lists_the_healthy_services_the_admin_key_file_and_the_connection_strings_for_its_owner_only()
    {
        var ct = TestContext.Current.CancellationToken;
        using var state = JsonDocument.Parse(await File.ReadAllTextAsync(platform.StateFile, ct));
        var services = state.RootElement.GetProperty("services");

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(platform.StateFile));
        Assert.Equal(Services.Order(), services.EnumerateObject().Select(s => s.Name).Order());
        using var http = new HttpClient();
        foreach (var service in Services)
        {
            var url = new Uri(services.GetProperty(service).GetProperty("url").GetString()!);
            Assert.Equal(Run.Url(service).GetLeftPart(UriPartial.Authority), url.GetLeftPart(UriPartial.Authority));
            using var ready = await http.GetAsync(new Uri(url, "/health/ready"), ct);
            Assert.True(ready.IsSuccessStatusCode, $"{service} at {url}: /health/ready is {(int)ready.StatusCode}");
        }

        Assert.Equal(Path.Combine(Run.DataDirectory.FullName, "admin-key"), state.RootElement.GetProperty("adminKeyFile").GetString());
        var connectionStrings = state.RootElement.GetProperty("connectionStrings");
        Assert.Equal(platform.PostgresConnectionString, connectionStrings.GetProperty(PlatformDatastores.Postgres).GetString());
        Assert.Equal(platform.RedisConnectionString, connectionStrings.GetProperty(PlatformDatastores.Redis).GetString());
    }

    [Fact]
    public async Task Admin_key_is_kept_for_its_owner_only_and_the_dashboard_command_shows_it()
    {
        var keyFile = Path.Combine(Run.DataDirectory.FullName, "admin-key");

        var shown = await Run.Services.GetRequiredService<ResourceCommandService>()
            .ExecuteCommandAsync("auth", "show-admin-key", TestContext.Current.CancellationToken);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(keyFile));
        Assert.Matches(AdminKeyFormat(), Run.AdminKey);
        Assert.True(shown.Success, shown.Message);
        Assert.Equal(Run.AdminKey, shown.Data?.Value);
    }

    [Fact]
    public async Task The_audit_chain_of_a_fresh_platform_verifies_through_the_dashboard_command()
    {
        var verified = await Run.Services.GetRequiredService<ResourceCommandService>()
            .ExecuteCommandAsync("audit", "verify-audit-chain", TestContext.Current.CancellationToken);

        Assert.True(verified.Success, $"{verified.Message}: {verified.Data?.Value}");
        Assert.Equal("The audit chain verifies.", verified.Message);
        Assert.Contains("\"ok\":true", verified.Data?.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rotate_signing_key_command_publishes_a_new_key_beside_the_old_one()
    {
        using var http = new HttpClient { BaseAddress = Run.Url("auth") };
        var before = await KeyIdsAsync(http);

        var rotated = await Run.Services.GetRequiredService<ResourceCommandService>()
            .ExecuteCommandAsync("auth", "rotate-signing-key", TestContext.Current.CancellationToken);
        var after = await KeyIdsAsync(http);

        Assert.True(rotated.Success, $"{rotated.Message}: {rotated.Data?.Value}");
        using var answer = JsonDocument.Parse(rotated.Data!.Value);
        var newKey = answer.RootElement.GetProperty("kid").GetString();
        Assert.DoesNotContain(newKey, before);
        Assert.Contains(newKey, after);
        Assert.All(before, kid => Assert.Contains(kid, after));
    }

    private static async Task<List<string?>> KeyIdsAsync(HttpClient http)
    {
        using var jwks = JsonDocument.Parse(await http.GetStringAsync(new Uri("/.well-known/jwks.json", UriKind.Relative), TestContext.Current.CancellationToken));
        return [.. jwks.RootElement.GetProperty("keys").EnumerateArray().Select(key => key.GetProperty("kid").GetString())];
    }

    [Fact]
    public void Services_get_Aspires_environment_and_only_what_each_needs()
    {
        var environments = Services.ToDictionary(s => s, s => ServiceProcess.Environment(Run.ProcessId(s)));

        foreach (var (service, environment) in environments)
        {
            Assert.Equal(platform.PostgresConnectionString, Get(environment, service, "ConnectionStrings__postgres"));
            Assert.Equal(service, Get(environment, service, "OTEL_SERVICE_NAME"));
            Assert.Equal("Development", Get(environment, service, "ASPNETCORE_ENVIRONMENT"));
            Assert.Equal(Run.ServiceKey, Get(environment, service, "Platform__ServiceKey"));
            Assert.Equal(service == "auth", environment.ContainsKey("Auth__BootstrapAdminKey"));
            Assert.Equal(service is "tool-execution" or "auth", environment.ContainsKey("ConnectionStrings__redis"));
            // Every service knows every service's URL (Auth's default token audience is tool-execution's MCP endpoint).
            Assert.All(Services, other => Assert.Equal(Run.Url(other).GetLeftPart(UriPartial.Authority), Get(environment, service, $"services__{other}__http__0")));
        }

        Assert.Equal(Run.AdminKey, environments["auth"]["Auth__BootstrapAdminKey"]);
        Assert.Equal(platform.RedisConnectionString, environments["tool-execution"]["ConnectionStrings__redis"]);
    }

    [Fact]
    public void No_per_property_variable_or_other_copy_of_a_secret_reaches_a_service()
    {
        var postgresPassword = new Npgsql.NpgsqlConnectionStringBuilder(platform.PostgresConnectionString).Password!;
        var secrets = new Dictionary<string, string>
        {
            ["ConnectionStrings__postgres"] = postgresPassword,
            ["Auth__BootstrapAdminKey"] = Run.AdminKey,
            ["Platform__ServiceKey"] = Run.ServiceKey,
        };

        foreach (var service in Services)
        {
            var environment = ServiceProcess.Environment(Run.ProcessId(service));

            // Aspire's per-property variables of a reference (POSTGRES_PASSWORD, REDIS_HOST, AUTH_HTTP, …).
            Assert.DoesNotContain(environment.Keys, name => PerPropertyVariable().IsMatch(name));
            foreach (var (variable, value) in secrets)
            {
                Assert.Empty(environment.Where(e => e.Key != variable && e.Value.Contains(value, StringComparison.Ordinal)).Select(e => $"{service}: {e.Key}"));
            }
        }
    }

    private static string Get(IReadOnlyDictionary<string, string> environment, string service, string variable) =>
        environment.TryGetValue(variable, out var value) ? value : throw new Xunit.Sdk.XunitException($"{service} has no {variable}");

    [GeneratedRegex("^mcp_admin_[A-Za-z0-9_-]{43}$")]
    private static partial Regex AdminKeyFormat();

    /// <summary>Aspire names them in capitals after the resource (POSTGRES_PASSWORD, AUTH_HTTP); the services' own settings are Pascal case.</summary>
    [GeneratedRegex("^(POSTGRES|POSTGRES_SERVER|REDIS|AUTH|TOOL_EXECUTION|TOOL-EXECUTION|AUDIT)_[A-Z0-9]")]
    private static partial Regex PerPropertyVariable();
}
