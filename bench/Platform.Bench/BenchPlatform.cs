using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.AppHost;
using Platform.Provisioning;
using Platform.Testing;

namespace Platform.Bench;

/// <summary>A second ToolExecution process: another project resource from the same project, with settings of its own.</summary>
/// <param name="Name">Its resource name, e.g. <c>tool-execution-2</c>.</param>
/// <param name="Environment">Settings on top of those every service gets.</param>
/// <param name="StartLater">Not started with the platform; <see cref="BenchPlatform.StartAsync(string)"/> starts it when wanted.</param>
internal sealed record Replica(string Name, IReadOnlyDictionary<string, string> Environment, bool StartLater = false);

/// <summary>
/// The platform a scenario or the drills measure, started the one way the tests start it too: the real AppHost
/// (<c>AppHost/Program.cs</c>) on Aspire's test host through <see cref="AppHostRun"/>. DCP runs each service with
/// <c>dotnet run --no-build</c> in the AppHost's configuration, so the bench built in Release (bench/run.sh) measures
/// Release services. Each platform has its own local PostgreSQL (crash safety on, as in production) and redis-server in
/// a data folder of its own, both deleted when it stops.
/// </summary>
internal sealed class BenchPlatform : IAsyncDisposable
{
    public const string Auth = "auth";
    public const string ToolExecution = "tool-execution";
    public const string Audit = "audit";

    public static readonly IReadOnlyList<string> AllServices = [Auth, ToolExecution, Audit];

    private readonly AppHostRun _run;
    private readonly ResourceLogs _logs;

    private BenchPlatform(AppHostRun run, ResourceLogs logs, IReadOnlyList<string> services, string database, string? redis)
    {
        _run = run;
        _logs = logs;
        Services = services;
        Database = database;
        Redis = redis;
        AdminKey = run.AdminKey;
        ServiceKey = run.ServiceKey;
    }

    /// <summary>The services of this platform, replicas included, by resource name.</summary>
    public IReadOnlyList<string> Services { get; }

    /// <summary>The connection string of the platform's database (what the services use).</summary>
    public string Database { get; }

    /// <summary>The Redis the services use; null when no service here needs one.</summary>
    public string? Redis { get; }

    public string AdminKey { get; }

    /// <summary>The service credential the AppHost generated, for calls to Auth's internal endpoints.</summary>
    public string ServiceKey { get; }

    /// <summary>
    /// The settings of every AppHost the bench starts: PostgreSQL crash-safe (an answered call's commit is on disk, as
    /// in production), redis-server rather than garnet (as before the AppHost moved onto Aspire).
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Settings(string redis = DatastoreOptions.RedisServerBinary) => new Dictionary<string, string?>
    {
        [AppHostRun.DurableSetting] = "true",
        ["AppHost:Redis"] = redis,
    };

    /// <summary>
    /// Starts <paramref name="services"/> (all three when null) with their datastores, plus <paramref name="replicas"/>
    /// of ToolExecution; every service gets <paramref name="environment"/>. Returns once every service is healthy,
    /// except replicas marked <see cref="Replica.StartLater"/>, which <see cref="StartAsync(string)"/> starts.
    /// </summary>
    public static async Task<BenchPlatform> StartAsync(
        IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? services = null, IReadOnlyList<Replica>? replicas = null)
    {
        services ??= AllServices;
        replicas ??= [];
        var logs = new ResourceLogs();
        var keep = new HashSet<string>(services, StringComparer.Ordinal) { PlatformDatastores.Postgres, PlatformDatastores.PostgresServer };
        // ToolExecution's rate limits and Auth's sign-in limits live in Redis.
        if (services.Contains(ToolExecution) || services.Contains(Auth))
        {
            keep.Add(PlatformDatastores.Redis);
        }

        AppHostRun run;
        try
        {
            run = await AppHostRun.StartAsync(Settings(), keep, builder => Configure(builder, environment, replicas, logs)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"{string.Join(", ", services)} did not become ready: {e.Message}\n{logs.Text(60)}", e);
        }

        try
        {
            var database = await run.ConnectionStringAsync(PlatformDatastores.Postgres).ConfigureAwait(false);
            var redis = keep.Contains(PlatformDatastores.Redis) ? await run.ConnectionStringAsync(PlatformDatastores.Redis).ConfigureAwait(false) : null;
            return new BenchPlatform(run, logs, [.. services, .. replicas.Select(r => r.Name)], database, redis);
        }
        catch
        {
            await run.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Only a Redis of the AppHost's (redis-server or garnet, by <paramref name="flavor"/>), for the in-process rate limiter scenario.</summary>
    public static async Task<(AppHostRun Run, string ConnectionString)> StartRedisAsync(string flavor)
    {
        var run = await AppHostRun.StartAsync(Settings(flavor), new HashSet<string> { PlatformDatastores.Redis }).ConfigureAwait(false);
        try
        {
            return (run, await run.ConnectionStringAsync(PlatformDatastores.Redis).ConfigureAwait(false));
        }
        catch
        {
            await run.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public Uri Url(string service) => _run.Url(service);

    /// <summary>The service's own process (not the <c>dotnet run</c> that DCP starts it with).</summary>
    public int ProcessId(string service) => _run.ProcessId(service);

    /// <summary>SIGKILL, as a crash; returns once the process is gone.</summary>
    public Task KillAsync(string service) => _run.KillAsync(service);

    /// <summary>Starts a stopped, killed or not yet started resource (same port, same settings) and waits until it is healthy.</summary>
    public Task StartAsync(string resource) => _run.StartAsync(resource);

    /// <summary>Stops a resource as the dashboard's stop command does (SIGTERM).</summary>
    public Task StopAsync(string resource) => _run.StopAsync(resource);

    /// <summary>The last <paramref name="lines"/> log lines of every resource (services, PostgreSQL, Redis), the admin key masked.</summary>
    public string Output(int lines = int.MaxValue) => Mask(_logs.Text(lines));

    private string Mask(string text) => AdminKey.Length == 0 ? text : text.Replace(AdminKey, "[admin key]", StringComparison.Ordinal);

    public async ValueTask DisposeAsync() => await _run.DisposeAsync().ConfigureAwait(false);

    private static void Configure(IDistributedApplicationTestingBuilder builder, IReadOnlyDictionary<string, string> environment, IReadOnlyList<Replica> replicas, ResourceLogs logs)
    {
        var added = replicas.Select(replica => (replica, AddToolExecution(builder, replica.Name))).ToList();
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            var service = builder.CreateResourceBuilder(project);
            foreach (var (name, value) in environment)
            {
                service.WithEnvironment(name, value);
            }
        }

        foreach (var (replica, service) in added)
        {
            foreach (var (name, value) in replica.Environment)
            {
                service.WithEnvironment(name, value);
            }

            if (replica.StartLater)
            {
                service.WithExplicitStart();
            }
        }

        // The resources' output (the AppHost forwards it to its loggers) is kept for error messages and the drills' log,
        // not printed: the bench's console shows its progress and the AppHost's own warnings.
        builder.Services.AddLogging(logging => logging.ClearProviders().AddProvider(logs));
    }

    /// <summary>Another ToolExecution, wired as AppHost/Program.cs wires the first (database, Redis, Auth, the secrets).</summary>
    private static IResourceBuilder<ProjectResource> AddToolExecution(IDistributedApplicationTestingBuilder builder, string name)
    {
        T Resource<T>(string resource) => builder.Resources.OfType<T>().Single(r => ((IResource)r!).Name == resource);
        IResourceBuilder<ParameterResource> Secret(string secret) => builder.CreateResourceBuilder(Resource<ParameterResource>(secret));

        IResourceBuilder<ProjectResource> Service(string service) => builder.CreateResourceBuilder(Resource<ProjectResource>(service));

        var secrets = new PlatformSecrets(Secret(PlatformSecrets.AdminKeyName), Secret(PlatformSecrets.PepperName), Secret(PlatformSecrets.ServiceKeyName), AdminKeyIsNew: false);

        // The same project metadata as the first one (the AppHost's project reference, build suppressed), so DCP runs the
        // replica from the AppHost's build with `dotnet run --no-build` too; a project added by path would be built again
        // at every start.
        return builder.AddProject<Projects.ToolExecution>(name)
            // The first replica's URL as services__tool-execution__http__0: tokens for its /mcp are accepted here too, as
            // behind one ingress.
            .WithServiceUrls(Service(Auth), Service(ToolExecution), Service(Audit))
            .AsPlatformService(builder.CreateResourceBuilder(Resource<IResourceWithConnectionString>(PlatformDatastores.Postgres)), secrets)
            .WithReference(builder.CreateResourceBuilder(Resource<IResourceWithConnectionString>(PlatformDatastores.Redis)))
            .WaitFor(builder.CreateResourceBuilder(Resource<IResource>(PlatformDatastores.Redis)))
            .WithReference(builder.CreateResourceBuilder(Resource<ProjectResource>(Auth)))
            .WaitFor(builder.CreateResourceBuilder(Resource<IResource>(Auth)));
    }

    /// <summary>
    /// Keeps every resource's console lines as the AppHost forwards them to its loggers (categories
    /// <c>….Resources.&lt;name&gt;</c>); prints the AppHost's own warnings and errors, except failed health checks, which
    /// are expected while a resource starts or a drill has stopped it.
    /// </summary>
    private sealed class ResourceLogs : ILoggerProvider
    {
        private const string Marker = ".Resources.";
        private const int Limit = 200_000;
        private readonly Queue<string> _lines = new();

        public ILogger CreateLogger(string categoryName)
        {
            var at = categoryName.LastIndexOf(Marker, StringComparison.Ordinal);
            return at >= 0 ? new Logger(this, categoryName[(at + Marker.Length)..])
                : categoryName.StartsWith("Microsoft.Extensions.Diagnostics.HealthChecks", StringComparison.Ordinal) ? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance
                : new Warnings(categoryName);
        }

        public string Text(int lines)
        {
            lock (_lines)
            {
                var text = new StringBuilder();
                foreach (var line in _lines.Skip(Math.Max(0, _lines.Count - lines)))
                {
                    text.AppendLine(line);
                }

                return text.ToString();
            }
        }

        public void Dispose()
        {
        }

        private void Add(string line)
        {
            lock (_lines)
            {
                _lines.Enqueue(line);
                while (_lines.Count > Limit)
                {
                    _lines.Dequeue();
                }
            }
        }

        private sealed class Warnings(string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    Console.Error.WriteLine($"  apphost {logLevel}: {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
                }
            }
        }

        private sealed class Logger(ResourceLogs logs, string resource) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                logs.Add($"{DateTime.Now:HH:mm:ss.fff} {resource}: {formatter(state, exception)}");
        }
    }
}
