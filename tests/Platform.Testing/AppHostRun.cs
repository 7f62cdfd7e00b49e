using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.AppHost;
using Platform.Provisioning;
using Platform.Provisioning.Processes;

namespace Platform.Testing;

/// <summary>
/// The real AppHost (<c>AppHost/Program.cs</c>) on Aspire's test host, in a data folder of its own, with nothing of it
/// left behind when disposed: the whole platform, or only some of its resources (say, a Redis a test may stop).
/// </summary>
public sealed class AppHostRun : IAsyncDisposable
{
    /// <summary>PostgreSQL's crash safety (fsync, synchronous commit, full-page writes); off here unless the settings name it.</summary>
    public const string DurableSetting = "AppHost:Durable";

    private static readonly TimeSpan StartupLimit = TimeSpan.FromMinutes(3);

    private readonly DistributedApplication _app;
    private readonly bool _ownsDataDirectory;

    private AppHostRun(DistributedApplication app, DirectoryInfo data, bool ownsDataDirectory)
    {
        _app = app;
        DataDirectory = data;
        _ownsDataDirectory = ownsDataDirectory;
    }

    /// <summary>Holds the local cluster (unless PostgreSQL is configured), the generated secrets and state.json.</summary>
    public DirectoryInfo DataDirectory { get; }

    public IServiceProvider Services => _app.Services;

    public string AdminKey => File.ReadAllText(PlatformSecrets.AdminKeyFile(DataDirectory.FullName)).Trim();

    public string ServiceKey => File.ReadAllText(Path.Combine(DataDirectory.FullName, PlatformSecrets.ServiceKeyName)).Trim();

    /// <summary>
    /// Starts the AppHost with <paramref name="settings"/> (configuration keys, e.g. <c>ConnectionStrings:postgres</c>,
    /// <c>AppHost:Redis</c>) and waits until every remaining resource is healthy, except those that start only when
    /// asked (<c>WithExplicitStart()</c>; start them with <see cref="StartAsync(string, CancellationToken)"/>). A local
    /// PostgreSQL runs without crash safety (<c>AppHost:Durable=false</c>) unless <paramref name="settings"/> say
    /// otherwise, as the bench and the failure drills do. A data folder given as <c>AppHost:DataDirectory</c> is the
    /// caller's, kept after the run so a second run can reuse it; otherwise the run makes a fresh one and deletes it when
    /// disposed.
    /// </summary>
    /// <param name="keep">Which resources to run (by name); null runs them all.</param>
    /// <param name="configure">Changes to the model before it starts: settings of a service, extra replicas.</param>
    public static async Task<AppHostRun> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null,
        IReadOnlySet<string>? keep = null,
        Action<IDistributedApplicationTestingBuilder>? configure = null,
        CancellationToken ct = default)
    {
        settings ??= new Dictionary<string, string?>();
        var given = settings.TryGetValue("AppHost:DataDirectory", out var configured) && configured is { Length: > 0 };
        var data = given ? Directory.CreateDirectory(configured!) : Directory.CreateTempSubdirectory("platform-apphost-");

        // The postgres user passes through it to its cluster, which is thus deleted with the folder.
        File.SetUnixFileMode(data.FullName, File.GetUnixFileMode(data.FullName) | UnixFileMode.OtherExecute);
        var arguments = new List<string> { $"--AppHost:DataDirectory={data.FullName}" };
        if (!settings.ContainsKey(DurableSetting))
        {
            // A throwaway cluster need not survive a crash of this machine; fsync off makes the tests faster.
            arguments.Add($"--{DurableSetting}=false");
        }

        arguments.AddRange(settings.Select(setting => $"--{setting.Key}={setting.Value}"));
        DistributedApplication? app = null;
        try
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>([.. arguments], ct).ConfigureAwait(false);
            foreach (var resource in builder.Resources.Where(r => keep is not null && r is not ParameterResource && !keep.Contains(r.Name)).ToList())
            {
                builder.Resources.Remove(resource);
            }

            configure?.Invoke(builder);
            if (Environment.GetEnvironmentVariable("PLATFORM_TEST_APPHOST_LOG") is { Length: > 0 } logFile)
            {
                builder.Services.AddLogging(logging => logging.AddProvider(new FileLoggerProvider(logFile)).SetMinimumLevel(LogLevel.Debug));
            }

            app = await builder.BuildAsync(ct).ConfigureAwait(false);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(StartupLimit);
            await app.StartAsync(limit.Token).ConfigureAwait(false);
            var model = app.Services.GetRequiredService<DistributedApplicationModel>();

            // Resources that start only when asked (Aspire's hidden "<project>-rebuilder", say) never become healthy.
            await Task.WhenAll(model.Resources.Where(r => r is not ParameterResource && !r.TryGetAnnotationsOfType<ExplicitStartupAnnotation>(out _))
                .Select(r => app.ResourceNotifications.WaitForResourceHealthyAsync(r.Name, limit.Token))).ConfigureAwait(false);
            return new AppHostRun(app, data, ownsDataDirectory: !given);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            if (!given)
            {
                DeleteQuietly(data);
            }

            throw;
        }
    }

    public Uri Url(string service) => _app.GetEndpoint(service, "http");

    public async Task<string> ConnectionStringAsync(string resource, CancellationToken ct = default) =>
        await _app.GetConnectionStringAsync(resource, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{resource} has no connection string.");

    /// <summary>
    /// Stops a resource as an operator would from the dashboard (SIGTERM, then SIGKILL after DCP's grace), and returns
    /// once its state says so.
    /// </summary>
    public async Task StopAsync(string resource, CancellationToken ct = default)
    {
        await CommandAsync(resource, KnownResourceCommands.StopCommand, ct).ConfigureAwait(false);

        // The command returns when DCP has stopped the process, which may be before the state shows it. A start issued
        // before then would see the late "Finished" arrive after its own "Starting".
        await _app.ResourceNotifications.WaitForResourceAsync(resource, e => e.Snapshot.State?.Text is "Finished" or "Exited", ct).ConfigureAwait(false);
    }

    /// <summary>Starts a stopped (or killed) resource again, same port, same settings, and waits until it is healthy.</summary>
    public async Task StartAsync(string resource, CancellationToken ct = default)
    {
        await CommandAsync(resource, KnownResourceCommands.StartCommand, ct).ConfigureAwait(false);

        // Starting deletes the stopped executable, and DCP may report that deletion (as "Finished") after the new one is
        // "Starting": not a failure to start, so keep waiting until it is healthy (the test host's default gives up).
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(StartupLimit);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, WaitBehavior.WaitOnResourceUnavailable, limit.Token).ConfigureAwait(false);
    }

    /// <summary>SIGKILL, as a crash ends a process: no draining, no flushing. Returns once the process is gone.</summary>
    public async Task KillAsync(string service, CancellationToken ct = default)
    {
        var pid = ProcessId(service);
        PosixProcess.Signal(pid, PosixProcess.SigKill);
        while (PosixProcess.IsAlive(pid) && !IsZombie(pid))
        {
            await Task.Delay(20, ct).ConfigureAwait(false);
        }

        await _app.ResourceNotifications.WaitForResourceAsync(service, state => state.Snapshot.State?.Text is "Finished" or "Exited" or "FailedToStart", ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The PID of the service's own process. DCP starts a project through <c>dotnet run</c>, whose child it is; no deeper,
    /// since the service's own children (ToolExecution's stdio upstreams) are not the service.
    /// </summary>
    public int ProcessId(string resource)
    {
        if (!_app.ResourceNotifications.TryGetCurrentState(resource, out var state)
            || state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is not { } value
            || !int.TryParse(value.ToString(), System.Globalization.CultureInfo.InvariantCulture, out var launcher))
        {
            throw new InvalidOperationException($"{resource} has no process.");
        }

        return _app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Any(r => r.Name == resource && r is ProjectResource)
            ? ProcessTree.Child(launcher) ?? launcher
            : ProcessTree.Leaf(launcher);
    }

    private async Task CommandAsync(string resource, string command, CancellationToken ct)
    {
        var result = await _app.ResourceCommands.ExecuteCommandAsync(resource, command, ct).ConfigureAwait(false);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{command} on {resource} failed: {result.Message}");
        }
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>
    /// The platform's DCP: the API server this test process started (detached, it watches the test process), found
    /// above the processes of the platform's resources.
    /// </summary>
    public ProcessEntry DcpProcess()
    {
        var notifications = _app.Services.GetRequiredService<ResourceNotificationService>();
        var roots = _app.Services.GetRequiredService<DistributedApplicationModel>().Resources
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

    public async ValueTask DisposeAsync()
    {
        IReadOnlyList<ProcessEntry> processes;
        try
        {
            processes = Processes();
        }
        catch (InvalidOperationException)
        {
            processes = [];
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);

        // DCP's controller process leaves a moment (a few hundred milliseconds) after the AppHost has stopped; whoever
        // starts the next platform starts once it is gone, and nothing this run started outlives its disposal.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (processes.Any(p => p.IsAlive) && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50).ConfigureAwait(false);
        }

        if (_ownsDataDirectory)
        {
            DeleteQuietly(DataDirectory);
        }
    }

    private static void DeleteQuietly(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}

internal sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private readonly object _gate = new();

    private string Path => path;

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (provider._gate)
            {
                File.AppendAllText(provider.Path, $"{DateTime.Now:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)} {exception}\n");
            }
        }
    }
}
