using Platform.AppHost.Model;
using Platform.AppHost.Orchestration;

namespace Platform.Bench;

/// <summary>
/// The AppHost settings every bench scenario and drill shares: services already built in Release, the bench's own
/// local PostgreSQL database and Redis, throwaway data, no containers. Callers add what they measure.
/// </summary>
internal static class ReleasePlatform
{
    public static AppHostOptions Options(
        string repositoryRoot, DirectoryInfo data, string database, string redisConnectionString, IReadOnlyList<ServiceResource> services,
        IReadOnlyDictionary<string, string> environment, TextWriter output,
        Action<IReadOnlyList<RunningService>>? ready, Action<ServiceControl>? control = null) => new()
    {
        RepositoryRoot = repositoryRoot,
        Services = services,
        DataDirectoryOverride = data.FullName,
        PostgresConnectionString = database,
        RedisConnectionString = redisConnectionString,
        KeepData = false,
        UseContainers = false,
        BuildServices = false,
        BuildConfiguration = "Release",
        ExtraEnvironment = environment,
        Output = TextWriter.Synchronized(output),
        Ready = ready,
        Control = control,
    };
}

/// <summary>
/// Services of the platform as Release processes on a fresh database of the bench's PostgreSQL, ready to measure; the
/// scenarios share it so that starting, waiting for health, reading the admin key and stopping live in one place.
/// </summary>
internal sealed class RunningPlatform : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task _run;
    private readonly DirectoryInfo _data;
    private readonly StringWriter _output;
    private readonly ServiceControl? _control;

    private RunningPlatform(CancellationTokenSource stop, Task run, DirectoryInfo data, StringWriter output, string database,
        IReadOnlyDictionary<string, RunningService> services, string adminKey, string serviceKey, ServiceControl? control = null)
    {
        ServiceKey = serviceKey;
        _control = control;
        _stop = stop;
        _run = run;
        _data = data;
        _output = output;
        Database = database;
        Services = services;
        AdminKey = adminKey;
    }

    /// <summary>The connection string of this platform's own database.</summary>
    public string Database { get; }

    public IReadOnlyDictionary<string, RunningService> Services { get; }

    public string AdminKey { get; }

    /// <summary>The service credential the AppHost generated, for calls to Auth's internal endpoints.</summary>
    public string ServiceKey { get; }

    /// <summary>Kills, restarts and adds service processes (a second replica) of this platform.</summary>
    public ServiceControl Control => _control ?? throw new InvalidOperationException("The platform is not running.");

    /// <summary>The services' log lines so far, for error messages.</summary>
    public string Output => _output.ToString();

    public static async Task<RunningPlatform> StartAsync(
        BenchSettings settings, Provisioning.PostgresResource postgres, string redisConnectionString, string databasePrefix,
        IReadOnlyList<ServiceResource> services, IReadOnlyDictionary<string, string> environment)
    {
        var stop = new CancellationTokenSource();
        var data = Directory.CreateTempSubdirectory("platform-bench-" + databasePrefix + "-");
        var output = new StringWriter();
        var ready = new TaskCompletionSource<IReadOnlyList<RunningService>>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Handed over right after Ready, by the same call.
        var control = new TaskCompletionSource<ServiceControl>(TaskCreationOptions.RunContinuationsAsynchronously);
        var database = await postgres.CreateDatabaseAsync(databasePrefix + "_" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
        var options = ReleasePlatform.Options(settings.RepositoryRoot, data, database, redisConnectionString, services, environment, output,
            started => ready.TrySetResult(started), c => control.TrySetResult(c));
        var run = Task.Run(() => AppHostRunner.RunAsync(options, stop.Token));
        var platform = new RunningPlatform(stop, run, data, output, database, new Dictionary<string, RunningService>(), "", "");
        try
        {
            var first = await Task.WhenAny(ready.Task, run, Task.Delay(TimeSpan.FromMinutes(3))).ConfigureAwait(false);
            if (first != ready.Task)
            {
                throw new InvalidOperationException($"{string.Join(", ", services.Select(s => s.Name))} did not become ready:\n" + output);
            }

            var admin = (await File.ReadAllTextAsync(Path.Combine(data.FullName, Platform.AppHost.Resources.AdminKey.FileName)).ConfigureAwait(false)).Trim();
            var serviceKey = (await File.ReadAllTextAsync(Path.Combine(data.FullName, Platform.AppHost.Resources.ServiceKey.FileName)).ConfigureAwait(false)).Trim();
            return new RunningPlatform(stop, run, data, output, database, (await ready.Task.ConfigureAwait(false)).ToDictionary(s => s.Resource.Name), admin,
                serviceKey, await control.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false));
        }
        catch
        {
            await platform.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
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
