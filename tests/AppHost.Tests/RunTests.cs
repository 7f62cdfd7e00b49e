using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.AppHost.Orchestration;
using Platform.Provisioning.Processes;

namespace Platform.AppHost.Tests;

/// <summary>Real runs: local PostgreSQL and Redis, three child processes. Sequential, because each run is heavy for two cores.</summary>
public sealed partial class RunTests
{
    private static readonly TimeSpan StartupLimit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Running_app_writes_state_and_a_private_admin_key_and_stops_everything_on_shutdown()
    {
        using var app = new FakeApplication();
        using var stopping = new CancellationTokenSource();
        var (run, services) = await StartAsync(app, stopping.Token);
        using var state = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(app.DataDirectory, "state.json"), TestContext.Current.CancellationToken));
        var keyFile = state.RootElement.GetProperty("adminKeyFile").GetString()!;
        var adminKey = await File.ReadAllTextAsync(keyFile, TestContext.Current.CancellationToken);
        var postgres = state.RootElement.GetProperty("connectionStrings").GetProperty("postgres").GetString()!;

        Assert.Equal(["auth", "tool-execution", "audit"], state.RootElement.GetProperty("services").EnumerateObject().Select(p => p.Name));
        foreach (var service in services)
        {
            var url = state.RootElement.GetProperty("services").GetProperty(service.Resource.Name).GetProperty("url").GetString();
            Assert.Equal(service.Url.GetLeftPart(UriPartial.Authority), url);
        }

        Assert.Equal(Path.Combine(app.DataDirectory, "admin-key"), keyFile);
        Assert.Matches(AdminKeyFormat(), adminKey);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(app.DataDirectory, "state.json")));
        Assert.Contains(adminKey, app.Output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Password=", postgres, StringComparison.Ordinal);

        stopping.Cancel();
        Assert.Equal(0, await run.WaitAsync(StartupLimit, TestContext.Current.CancellationToken));

        Assert.All(services, service => Assert.False(PosixProcess.IsAlive(service.ProcessId), $"{service.Resource.Name} still runs"));
        Assert.False(File.Exists(Path.Combine(app.DataDirectory, "state.json")));
        Assert.False(Directory.Exists(Path.Combine(app.DataDirectory, "postgres")));
        Assert.False(await AcceptsConnectionsAsync(services[0].Url.Port));
    }

    [Fact]
    public async Task Services_get_Aspires_environment_and_only_auth_gets_the_admin_key()
    {
        using var app = new FakeApplication();
        using var stopping = new CancellationTokenSource();
        var (run, services) = await StartAsync(app, stopping.Token);
        stopping.Cancel();
        Assert.Equal(0, await run.WaitAsync(StartupLimit, TestContext.Current.CancellationToken));

        var urls = services.ToDictionary(s => s.Resource.Name, s => s.Url.GetLeftPart(UriPartial.Authority));
        foreach (var service in services)
        {
            var environment = app.RecordedEnvironment(service.Resource.Name);
            Assert.Equal(urls[service.Resource.Name], environment["ASPNETCORE_URLS"]);
            Assert.Equal(service.Resource.Name, environment["OTEL_SERVICE_NAME"]);
            Assert.Equal(urls["auth"], environment["services__auth__http__0"]);
            Assert.Equal(urls["tool-execution"], environment["services__tool-execution__http__0"]);
            Assert.Equal(urls["audit"], environment["services__audit__http__0"]);
            Assert.StartsWith("Host=127.0.0.1;", environment["ConnectionStrings__postgres"], StringComparison.Ordinal);
            Assert.StartsWith("127.0.0.1:", environment["ConnectionStrings__redis"], StringComparison.Ordinal);
            Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), environment["APPHOST_PARENT_PID"]);
            Assert.Equal(service.Resource.Name == "auth", environment.ContainsKey("Auth__BootstrapAdminKey"));
            Assert.Equal(service.Resource.Name == "audit", environment.ContainsKey("FAKE_AUDIT_ONLY"));
        }

        // A second run reuses the key and does not print it again.
        var key = await File.ReadAllTextAsync(Path.Combine(app.DataDirectory, "admin-key"), TestContext.Current.CancellationToken);
        var firstRunOutputLength = app.Output.ToString().Length;
        using var stoppingAgain = new CancellationTokenSource();
        var (again, _) = await StartAsync(app, stoppingAgain.Token);
        stoppingAgain.Cancel();
        Assert.Equal(0, await again.WaitAsync(StartupLimit, TestContext.Current.CancellationToken));

        Assert.Equal(key, app.RecordedEnvironment("auth")["Auth__BootstrapAdminKey"]);
        Assert.DoesNotContain(key, app.Output.ToString()[firstRunOutputLength..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_that_crashes_at_startup_fails_the_run_and_everything_is_stopped()
    {
        using var app = new FakeApplication();

        var result = await AppHostRunner.RunAsync(app.Options(crash: "audit"), TestContext.Current.CancellationToken).WaitAsync(StartupLimit, TestContext.Current.CancellationToken);

        var output = app.Output.ToString();
        Assert.True(result == 1 && output.Contains("audit exited", StringComparison.Ordinal), output);
        Assert.Contains("audit exited with code 3 during startup", output, StringComparison.Ordinal);
        Assert.Contains("fatal: simulated startup failure", output, StringComparison.Ordinal);
        Assert.NotEmpty(app.RecordedProcessIds());
        Assert.All(app.RecordedProcessIds(), pid => Assert.False(PosixProcess.IsAlive(pid), $"pid {pid} still runs"));
        Assert.False(Directory.Exists(Path.Combine(app.DataDirectory, "postgres")));
    }

    [Fact]
    public async Task Configured_port_that_is_taken_fails_at_once_with_a_clear_message()
    {
        using var app = new FakeApplication();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var result = await AppHostRunner.RunAsync(app.Options(ports: new Dictionary<string, int> { ["tool-execution"] = port }), TestContext.Current.CancellationToken);

        Assert.Equal(1, result);
        Assert.Contains($"Port {port} configured for tool-execution (AppHost:Ports:tool-execution) is already in use", app.Output.ToString(), StringComparison.Ordinal);
        Assert.Empty(app.RecordedProcessIds());
    }

    /// <summary>Returns once every service is healthy; fails with the AppHost's output if the run ends first.</summary>
    private static async Task<(Task<int> Run, IReadOnlyList<RunningService> Services)> StartAsync(FakeApplication app, CancellationToken stopping)
    {
        var ready = new TaskCompletionSource<IReadOnlyList<RunningService>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = AppHostRunner.RunAsync(app.Options(ready: services => ready.SetResult(services)), stopping);
        await Task.WhenAny(ready.Task, run).WaitAsync(StartupLimit, TestContext.Current.CancellationToken);
        Assert.True(ready.Task.IsCompletedSuccessfully, app.Output.ToString());
        return (run, await ready.Task);
    }

    private static async Task<bool> AcceptsConnectionsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex("^mcp_admin_[A-Za-z0-9_-]{43}$")]
    private static partial Regex AdminKeyFormat();
}
