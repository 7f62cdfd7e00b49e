using System.Net.Http.Headers;
using Platform.AppHost.Model;
using Platform.AppHost.Orchestration;
using Platform.Provisioning;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The three services as real processes, started by the same orchestration code as <c>dotnet run --project AppHost</c>,
/// on a fresh database of the test run's PostgreSQL. A derived fixture may start more services (replicas) or bring a
/// Redis of its own.
/// </summary>
public class RunningPlatform(PlatformInfrastructure infrastructure) : IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new();
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("platform-e2e-");
    private Task<int>? _run;

    public StringWriter Output { get; } = new();
    public IReadOnlyDictionary<string, RunningService> Services { get; private set; } = new Dictionary<string, RunningService>();
    public string AdminKey { get; private set; } = "";

    /// <summary>The service credential the AppHost generated and gave every service.</summary>
    public string ServiceKey { get; private set; } = "";

    /// <summary>The platform's database, for tests that act as an operator with direct database access.</summary>
    public string PostgresConnectionString { get; private set; } = "";
    public Task<int> Run => _run ?? throw new InvalidOperationException("not started");

    public Uri Url(string service) => Services[service].Url;

    /// <summary>The services to start; replicas are extra entries with names of their own.</summary>
    protected virtual IReadOnlyList<ServiceResource> ServiceModel => PlatformModel.Services;

    /// <summary>Settings for every service.</summary>
    protected virtual IReadOnlyDictionary<string, string> EnvironmentForAll { get; } = new Dictionary<string, string>();

    /// <summary>Settings for one service, by name, on top of <see cref="EnvironmentForAll"/>.</summary>
    protected virtual IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> EnvironmentByService { get; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>The services' database: a fresh one on the test run's PostgreSQL, unless a fixture needs a server it can stop.</summary>
    protected virtual Task<string> PostgresConnectionStringAsync() => infrastructure.NewDatabaseAsync("e2e");

    /// <summary>The Redis the services use: the test run's, unless a fixture needs one it can stop.</summary>
    protected virtual Task<string> RedisConnectionStringAsync() => Task.FromResult(infrastructure.RedisConnectionString);

    public virtual async ValueTask InitializeAsync()
    {
        var ready = new TaskCompletionSource<IReadOnlyList<RunningService>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new AppHostOptions
        {
            RepositoryRoot = RepositoryRoot.Find(),
            Services = ServiceModel,
            DataDirectoryOverride = _data.FullName,
            PostgresConnectionString = PostgresConnectionString = await PostgresConnectionStringAsync(),
            RedisConnectionString = await RedisConnectionStringAsync(),
            KeepData = false,
            BuildServices = false,
            ExtraEnvironment = EnvironmentForAll,
            ServiceEnvironment = EnvironmentByService,
            Output = TextWriter.Synchronized(Output),
            Ready = services => ready.TrySetResult(services),
        };

        _run = Task.Run(() => AppHostRunner.RunAsync(options, _stop.Token));
        var first = await Task.WhenAny(ready.Task, _run, Task.Delay(TimeSpan.FromMinutes(3)));
        if (first != ready.Task)
        {
            throw new InvalidOperationException("The platform did not become ready:\n" + Output);
        }

        Services = (await ready.Task).ToDictionary(s => s.Resource.Name);
        AdminKey = (await File.ReadAllTextAsync(Path.Combine(_data.FullName, Platform.AppHost.Resources.AdminKey.FileName))).Trim();
        ServiceKey = (await File.ReadAllTextAsync(Path.Combine(_data.FullName, Platform.AppHost.Resources.ServiceKey.FileName))).Trim();
    }

    public HttpClient Client(string service, string? key)
    {
        var http = new HttpClient { BaseAddress = Url(service) };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }

    /// <summary>Stops the platform as Ctrl+C would and returns the AppHost's exit code.</summary>
    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return await Run;
    }

    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
        try
        {
            _data.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// The platform on a server of its own (PostgreSQL or Redis) in a data folder of its own, which a test may stop and
/// start again without breaking tests that share the run's servers; both are removed with the platform.
/// </summary>
public abstract class PlatformWithOwnServer<TServer>(PlatformInfrastructure infrastructure, string kind) : RunningPlatform(infrastructure)
    where TServer : class, IAsyncDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory($"platform-e2e-{kind}-");
    private TServer? _server;

    protected TServer Server => _server ?? throw new InvalidOperationException("Not started.");

    /// <summary>Provisions the server from local binaries (it is stopped and started by the test) in this platform's folder.</summary>
    protected async Task<TServer> ProvisionAsync(Func<ProvisioningOptions, Task<TServer>> provision) =>
        _server = await provision(new ProvisioningOptions { DataDirectory = _data.FullName, UseContainers = false });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _data.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }
}
