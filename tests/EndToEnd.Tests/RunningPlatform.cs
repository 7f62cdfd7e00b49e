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
        var secrets = new PlatformSecrets(parameter(PlatformSecrets.AdminKeyName), parameter(PlatformSecrets.PepperName), parameter(PlatformSecrets.ServiceKeyName));
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

    /// <summary>
    /// The platform's DCP: the API server this test process started (detached, it watches the test process), found
    /// above the processes of the platform's resources.
    /// </summary>
    public ProcessEntry DcpProcess()
    {
        var notifications = AppHost.Services.GetRequiredService<ResourceNotificationService>();
        var roots = AppHost.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Select(resource => notifications.TryGetCurrentState(resource.Name, out var state)
                && state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } pid
                && int.TryParse(pid.ToString(), System.Globalization.CultureInfo.InvariantCulture, out var launcher)
                && ProcessTable.Ancestors(launcher, stopAt: 1) is { Count: > 0 } ancestors
                    ? ancestors[^1]
                    : null)
            .OfType<ProcessEntry>()
            .Distinct()
            .ToList();
        return roots.Count == 1
            ? roots[0]
            : throw new InvalidOperationException($"Expected the processes of the platform's resources under one DCP, found {roots.Count}:\n{string.Join('\n', roots)}");
    }

    /// <summary>
    /// Every process the platform runs now: its DCP and everything below it (DCP's controllers and process monitors,
    /// the services and their <c>dotnet run</c> launchers, the AppHost's own PostgreSQL or Redis, what they started).
    /// </summary>
    public IReadOnlyList<ProcessEntry> Processes() => ProcessTable.Subtree(DcpProcess().Pid);

    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_run is null)
        {
            return;
        }

        IReadOnlyList<ProcessEntry> processes;
        try
        {
            processes = Processes();
        }
        catch (InvalidOperationException)
        {
            processes = [];
        }

        await _stopWatching.CancelAsync();
        await Task.WhenAll(_watchers);
        _stopWatching.Dispose();
        await _run.DisposeAsync();

        // DCP's controller process leaves a moment (a few hundred milliseconds) after the AppHost has stopped; the next
        // test starts once it is gone. ShutdownTests fails on any process still alive after this.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (processes.Any(p => p.IsAlive) && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }
    }
}
