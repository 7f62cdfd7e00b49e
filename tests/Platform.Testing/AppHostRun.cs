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
    private static readonly TimeSpan StartupLimit = TimeSpan.FromMinutes(3);

    private readonly DistributedApplication _app;

    private AppHostRun(DistributedApplication app, DirectoryInfo data)
    {
        _app = app;
        DataDirectory = data;
    }

    /// <summary>Holds the local cluster (unless PostgreSQL is configured), the generated secrets and state.json.</summary>
    public DirectoryInfo DataDirectory { get; }

    public IServiceProvider Services => _app.Services;

    public string AdminKey => File.ReadAllText(PlatformSecrets.AdminKeyFile(DataDirectory.FullName)).Trim();

    public string ServiceKey => File.ReadAllText(Path.Combine(DataDirectory.FullName, PlatformSecrets.ServiceKeyName)).Trim();

    /// <summary>
    /// Starts the AppHost with <paramref name="settings"/> (configuration keys, e.g. <c>ConnectionStrings:postgres</c>,
    /// <c>AppHost:Redis</c>) and waits until every remaining resource is healthy.
    /// </summary>
    /// <param name="keep">Which resources to run (by name); null runs them all.</param>
    /// <param name="configure">Changes to the model before it starts: settings of a service, extra replicas.</param>
    public static async Task<AppHostRun> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null,
        IReadOnlySet<string>? keep = null,
        Action<IDistributedApplicationTestingBuilder>? configure = null,
        CancellationToken ct = default)
    {
        var data = Directory.CreateTempSubdirectory("platform-apphost-");

        // The postgres user passes through it to its cluster, which is thus deleted with the folder.
        File.SetUnixFileMode(data.FullName, File.GetUnixFileMode(data.FullName) | UnixFileMode.OtherExecute);
        var arguments = new List<string> { $"--AppHost:DataDirectory={data.FullName}", "--AppHost:Durable=false" };
        arguments.AddRange((settings ?? new Dictionary<string, string?>()).Select(setting => $"--{setting.Key}={setting.Value}"));
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
            // A resource started only on command (such as each project's hidden rebuilder) never starts by itself.
            await Task.WhenAll(model.Resources.Where(r => r is not ParameterResource && !r.HasAnnotationOfType<ExplicitStartupAnnotation>())
                .Select(r => app.ResourceNotifications.WaitForResourceHealthyAsync(r.Name, limit.Token))).ConfigureAwait(false);
            return new AppHostRun(app, data);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            DeleteQuietly(data);
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

    /// <summary>The PID of the service's own process (DCP starts it through <c>dotnet run</c>, whose child it is).</summary>
    public int ProcessId(string resource)
    {
        if (!_app.ResourceNotifications.TryGetCurrentState(resource, out var state)
            || state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is not { } value
            || !int.TryParse(value.ToString(), System.Globalization.CultureInfo.InvariantCulture, out var launcher))
        {
            throw new InvalidOperationException($"{resource} has no process.");
        }

        return ProcessTree.Leaf(launcher);
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

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        DeleteQuietly(DataDirectory);
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
