using System.Net.Http.Headers;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.AppHost;
using Platform.Provisioning;
using Platform.Provisioning.Processes;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The real AppHost (<c>AppHost/Program.cs</c>) on Aspire's test host: the three services as processes DCP starts, on a
/// fresh database of the test run's PostgreSQL and on the test run's Redis. A derived fixture may add settings, start
/// more ToolExecution replicas, or let the AppHost run a PostgreSQL or Redis of its own that a test may stop.
/// </summary>
public class RunningPlatform(PlatformInfrastructure infrastructure) : IAsyncLifetime
{
    public const string Auth = "auth";
    public const string ToolExecution = "tool-execution";
    public const string Audit = "audit";

    private readonly Dictionary<string, StringBuilder> _logs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopWatching = new();
    private readonly List<Task> _watchers = [];
    private long _lastLogLine = Environment.TickCount64;
    private AppHostRun? _run;

    public AppHostRun AppHost => _run ?? throw new InvalidOperationException("Not started.");

    public string AdminKey => AppHost.AdminKey;

    /// <summary>The service credential the AppHost generated and gave every service.</summary>
    public string ServiceKey => AppHost.ServiceKey;

    /// <summary>The platform's database, for tests that act as an operator with direct database access.</summary>
    public string PostgresConnectionString { get; private set; } = "";

    public string RedisConnectionString { get; private set; } = "";

    /// <summary>Every service the platform runs (replicas included), by resource name.</summary>
    public IReadOnlyList<string> Services { get; private set; } = [];

    protected PlatformInfrastructure Infrastructure { get; } = infrastructure;

    /// <summary>Extra ToolExecution processes, by resource name, wired as the AppHost wires its own.</summary>
    protected virtual IReadOnlyList<string> ToolExecutionReplicas { get; } = [];

    /// <summary>Settings for every service.</summary>
    protected virtual IReadOnlyDictionary<string, string> EnvironmentForAll { get; } = new Dictionary<string, string>();

    /// <summary>Settings for one service, by name, on top of <see cref="EnvironmentForAll"/>.</summary>
    protected virtual IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> EnvironmentByService { get; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>The AppHost runs its own PostgreSQL (a test may stop it) instead of using the test run's.</summary>
    protected virtual bool OwnPostgres => false;

    /// <summary>The AppHost runs its own Redis (a test may stop it) instead of using the test run's.</summary>
    protected virtual bool OwnRedis => false;

    public virtual async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = new Dictionary<string, string?>();
        if (!OwnPostgres)
        {
            settings[$"ConnectionStrings:{PlatformDatastores.Postgres}"] = await Infrastructure.NewDatabaseAsync("e2e", ct);
        }

        if (OwnRedis)
        {
            settings["AppHost:Redis"] = DatastoreOptions.RedisServerBinary;
        }
        else
        {
            settings[$"ConnectionStrings:{PlatformDatastores.Redis}"] = Infrastructure.RedisConnectionString;
        }

        _run = await AppHostRun.StartAsync(settings, configure: Configure, ct: ct);
        var model = _run.Services.GetRequiredService<DistributedApplicationModel>();
        Services = [.. model.Resources.OfType<ProjectResource>().Select(p => p.Name)];
        WatchLogs(model.Resources.Where(r => r is not ParameterResource && !r.HasAnnotationOfType<ExplicitStartupAnnotation>()));
        PostgresConnectionString = await _run.ConnectionStringAsync(PlatformDatastores.Postgres, ct);
        RedisConnectionString = await _run.ConnectionStringAsync(PlatformDatastores.Redis, ct);
    }

    private void Configure(IDistributedApplicationTestingBuilder builder)
    {
        foreach (var replica in ToolExecutionReplicas)
        {
            AddToolExecutionReplica(builder, replica);
        }

        foreach (var service in builder.Resources.OfType<ProjectResource>().ToList())
        {
            var settings = EnvironmentForAll.Concat(EnvironmentByService.GetValueOrDefault(service.Name) ?? new Dictionary<string, string>());
            var resource = builder.CreateResourceBuilder(service);
            foreach (var (name, value) in settings)
            {
                resource.WithEnvironment(name, value);
            }
        }
    }

    /// <summary>Another ToolExecution process, with the references and settings <c>AppHost/Program.cs</c> gives its own.</summary>
    private static void AddToolExecutionReplica(IDistributedApplicationTestingBuilder builder, string name)
    {
        T Resource<T>(string resourceName) where T : IResource => builder.Resources.OfType<T>().Single(r => r.Name == resourceName);
        var parameter = (string parameterName) => builder.CreateResourceBuilder(Resource<ParameterResource>(parameterName));
        var secrets = new PlatformSecrets(parameter(PlatformSecrets.AdminKeyName), parameter(PlatformSecrets.PepperName), parameter(PlatformSecrets.ServiceKeyName), AdminKeyIsNew: false);
        var postgres = builder.CreateResourceBuilder(Resource<IResourceWithConnectionString>(PlatformDatastores.Postgres));
        var redis = builder.CreateResourceBuilder(Resource<IResourceWithConnectionString>(PlatformDatastores.Redis));
        var auth = builder.CreateResourceBuilder(Resource<ProjectResource>(Auth));
        var toolExecution = builder.CreateResourceBuilder(Resource<ProjectResource>(ToolExecution));
        var audit = builder.CreateResourceBuilder(Resource<ProjectResource>(Audit));
        // As Program.cs adds it: a project the AppHost references is built with it, so DCP runs it without building
        // (added by path, `dotnet run` would build it again under the running services).
        builder.AddProject<Projects.ToolExecution>(name)
            .AsPlatformService(postgres, secrets)
            .AsPublicService()
            .WithReference(redis).WaitFor(redis)
            .WithReference(auth).WaitFor(auth)
            // The original's URL among them: a replica serves the same audience behind a load balancer.
            .WithServiceUrls(auth, toolExecution, audit);
    }

    public Uri Url(string service) => AppHost.Url(service);

    /// <summary>The PID of the service's own process (not DCP's launcher).</summary>
    public int ProcessId(string service) => AppHost.ProcessId(service);

    /// <summary>SIGKILL of the service's process, as a crash ends it; returns once it is gone.</summary>
    public Task KillAsync(string service, CancellationToken ct = default) => AppHost.KillAsync(service, ct);

    /// <summary>
    /// Starts a killed service again with Aspire's start command (same command line, environment and port) and returns
    /// the new process's PID as soon as it runs, without waiting until it is healthy.
    /// </summary>
    public async Task<int> RestartAsync(string service, CancellationToken ct = default)
    {
        var killed = ProcessId(service);
        var result = await AppHost.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(service, KnownResourceCommands.StartCommand, ct);
        Assert.True(result.Success, $"starting {service} again failed: {result.Message}");
        await AppHost.Services.GetRequiredService<ResourceNotificationService>().WaitForResourceAsync(service, KnownResourceStates.Running, ct);

        // The snapshot that says Running may still carry the killed process's PID.
        var restarted = await Poll.ValueAsync(() => Task.FromResult(ProcessId(service)), pid => pid != killed && PosixProcess.IsAlive(pid), TimeSpan.FromSeconds(60));
        Assert.True(restarted != killed && PosixProcess.IsAlive(restarted), $"{service} did not run again");
        return restarted;
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

    /// <summary>
    /// Collects what each resource writes to its console, as Aspire's dashboard shows it. The first watcher of a
    /// resource makes Aspire stream its log from DCP from the first line, so lines written before are not lost.
    /// </summary>
    private void WatchLogs(IEnumerable<IResource> resources)
    {
        var loggers = AppHost.Services.GetRequiredService<ResourceLoggerService>();
        foreach (var resource in resources)
        {
            var log = _logs[resource.Name] = new StringBuilder();
            _watchers.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (var batch in loggers.WatchAsync(resource).WithCancellation(_stopWatching.Token))
                    {
                        lock (log)
                        {
                            foreach (var line in batch)
                            {
                                log.Append(line.Content).Append('\n');
                            }
                        }

                        Interlocked.Exchange(ref _lastLogLine, Environment.TickCount64);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }));
        }
    }

    /// <summary>Everything the resource wrote to its console since the platform started.</summary>
    public string Logs(string resource)
    {
        var log = _logs[resource];
        lock (log)
        {
            return log.ToString();
        }
    }

    /// <summary>
    /// Each service's log (replicas included), by resource name, once no line has arrived for a second (at most ten
    /// seconds of waiting), so that what the services wrote just before is in it.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> ServiceLogsAsync(CancellationToken ct = default)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (Environment.TickCount64 - Interlocked.Read(ref _lastLogLine) < 1_000 && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100, ct);
        }

        return Services.ToDictionary(service => service, Logs, StringComparer.Ordinal);
    }

    /// <summary>The last lines the resource wrote, for an assertion message.</summary>
    public string RecentLogs(string resource, int lines = 40) =>
        string.Join('\n', Logs(resource).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines));

    /// <inheritdoc cref="AppHostRun.DcpProcess"/>
    public ProcessEntry DcpProcess() => AppHost.DcpProcess();

    /// <inheritdoc cref="AppHostRun.Processes"/>
    public IReadOnlyList<ProcessEntry> Processes() => AppHost.Processes();

    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_run is null)
        {
            return;
        }

        await _stopWatching.CancelAsync();
        await Task.WhenAll(_watchers);
        _stopWatching.Dispose();
        await _run.DisposeAsync();
    }
}
