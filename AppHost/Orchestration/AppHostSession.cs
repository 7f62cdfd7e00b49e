using System.Diagnostics;
using System.Globalization;
using Platform.AppHost.Model;
using Platform.AppHost.Resources;
using Platform.AppHost.Terminal;
using Platform.Provisioning;
using Platform.Provisioning.Processes;

namespace Platform.AppHost.Orchestration;

/// <summary>Everything one run started, so that a failure at any step stops exactly what exists.</summary>
internal sealed class AppHostSession(AppHostOptions options, ConsoleView view) : IAsyncDisposable
{
    private static readonly TimeSpan HealthPollInterval = TimeSpan.FromMilliseconds(250);

    private readonly List<ServiceProcess> _services = [];
    private readonly List<ServiceProcess> _stopped = [];
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _environments = [];
    private readonly Dictionary<string, string> _assemblies = [];
    private PostgresResource? _postgres;
    private RedisResource? _redis;
    private volatile bool _stopping;

    public async Task StartAsync(CancellationToken ct)
    {
        CheckFixedPortsAreFree();
        foreach (var service in options.Services)
        {
            ServiceBuilder.ProjectPath(service, options);
        }

        Directory.CreateDirectory(options.DataDirectory);
        StateFileRemove();

        await ProvisionAsync(ct);
        foreach (var service in options.Services)
        {
            _assemblies[service.Name] = await ServiceBuilder.BuildAsync(service, options, view.Info, ct);
        }

        var adminKey = AdminKey.LoadOrCreate(options.DataDirectory);
        var serviceKey = ServiceKey.LoadOrCreate(options.DataDirectory);
        var urls = AssignUrls();
        var connectionStrings = new Dictionary<string, string>
        {
            [PlatformModel.Postgres] = _postgres!.ConnectionString,
            [PlatformModel.Redis] = _redis!.ConnectionString,
        };

        foreach (var service in options.Services)
        {
            var environment = new Dictionary<string, string>(
                EnvironmentContract.For(service, urls, connectionStrings, adminKey.Value, serviceKey.Value, Environment.ProcessId, Environment.GetEnvironmentVariable));
            foreach (var (name, value) in options.ExtraEnvironment
                .Concat(options.ServiceEnvironment.GetValueOrDefault(service.Name) ?? new Dictionary<string, string>()))
            {
                environment[name] = value;
            }

            _environments[service.Name] = environment;
            StartProcess(service, urls[service.Name], environment);
        }

        await WaitUntilHealthyAsync(ct);
        foreach (var service in _services)
        {
            _ = ReportUnexpectedExitAsync(service);
        }

        new AppHostState(
            _services.ToDictionary(s => s.Resource.Name, s => new ServiceState(s.Url.GetLeftPart(UriPartial.Authority))),
            adminKey.FilePath,
            connectionStrings).WriteTo(options.DataDirectory);
        PrintSummary(adminKey);
        options.Ready?.Invoke([.. _services.Select(s => new RunningService(s.Resource, s.Url, s.ProcessId))]);
        options.Control?.Invoke(new ServiceControl(this));
    }

    /// <summary>SIGKILL, as a crash would end it: no draining, no flushing.</summary>
    internal async Task KillAsync(int processId)
    {
        var service = Running(processId);
        service.Kill();
        await service.Exited;
        lock (_services)
        {
            _services.Remove(service);
            _stopped.Add(service);
        }
    }

    /// <summary>Starts a killed service again on its port with its environment and waits until it is ready.</summary>
    internal async Task<RunningService> RestartAsync(int processId, CancellationToken ct)
    {
        ServiceProcess stopped;
        lock (_services)
        {
            stopped = _stopped.Single(s => s.ProcessId == processId);
            _stopped.Remove(stopped);
        }

        await stopped.DisposeAsync();
        var service = StartProcess(stopped.Resource, stopped.Url, stopped.Environment);
        await WaitUntilReadyAsync(service, ct);
        return new RunningService(service.Resource, service.Url, service.ProcessId);
    }

    /// <summary>One more process of a service on a free port, sharing its database and Redis (a replica).</summary>
    internal async Task<RunningService> StartReplicaAsync(string name, IReadOnlyDictionary<string, string> overrides, CancellationToken ct)
    {
        var resource = options.Services.Single(s => s.Name == name);
        var url = new Uri($"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}");
        var environment = new Dictionary<string, string>(_environments[name]) { ["ASPNETCORE_URLS"] = url.GetLeftPart(UriPartial.Authority) };
        foreach (var (variable, value) in overrides)
        {
            environment[variable] = value;
        }

        var service = StartProcess(resource, url, environment);
        await WaitUntilReadyAsync(service, ct);
        return new RunningService(service.Resource, service.Url, service.ProcessId);
    }

    private ServiceProcess StartProcess(ServiceResource service, Uri url, IReadOnlyDictionary<string, string> environment)
    {
        var workingDirectory = Path.GetDirectoryName(ServiceBuilder.ProjectPath(service, options))!;
        var process = ServiceProcess.Start(service, url, _assemblies[service.Name], workingDirectory, environment, view);
        lock (_services)
        {
            _services.Add(process);
        }

        view.Info($"started {service.Name} (pid {process.ProcessId}) on {url.GetLeftPart(UriPartial.Authority)}");
        return process;
    }

    private ServiceProcess Running(int processId)
    {
        lock (_services)
        {
            return _services.Single(s => s.ProcessId == processId);
        }
    }

    private async Task WaitUntilReadyAsync(ServiceProcess service, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var started = options.TimeProvider.GetTimestamp();
        while (!await IsReadyAsync(http, service.Url, ct))
        {
            if (service.HasExited)
            {
                throw new AppHostException(CrashReport(service));
            }

            if (options.TimeProvider.GetElapsedTime(started) > options.HealthTimeout)
            {
                throw new AppHostException($"{service.Resource.Name} did not report healthy at /health/ready within {options.HealthTimeout.TotalSeconds:0} s.");
            }

            await Task.Delay(HealthPollInterval, options.TimeProvider, ct);
        }

        _ = ReportUnexpectedExitAsync(service);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        await Task.WhenAll(_services.Concat(_stopped).Select(s => s.DisposeAsync().AsTask()));
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        // Nothing in it is true any more once the services are gone.
        StateFileRemove();
    }

    private void CheckFixedPortsAreFree()
    {
        foreach (var (name, port) in options.Ports)
        {
            if (!FreePort.IsFree(port))
            {
                throw new AppHostException($"Port {port} configured for {name} (AppHost:Ports:{name}) is already in use. Stop whatever listens on it, or remove the setting to get a free port.");
            }
        }
    }

    private async Task ProvisionAsync(CancellationToken ct)
    {
        var provisioning = new ProvisioningOptions
        {
            DataDirectory = options.DataDirectory,
            KeepData = options.KeepData,
            PostgresConnectionString = options.PostgresConnectionString,
            RedisConnectionString = options.RedisConnectionString,
            UseContainers = options.UseContainers,
            ToolManifestDirectory = options.RepositoryRoot,
            Progress = view.Info,
        };
        var postgres = Infrastructure.ProvisionPostgresAsync(provisioning, ct);
        var redis = Infrastructure.ProvisionRedisAsync(provisioning, ct);
        try
        {
            await Task.WhenAll(postgres, redis);
        }
        finally
        {
            // Whichever succeeded is stopped with the session even if the other failed.
            _postgres = postgres.IsCompletedSuccessfully ? postgres.Result : null;
            _redis = redis.IsCompletedSuccessfully ? redis.Result : null;
        }

        view.Info($"postgres: {_postgres!.Source}; redis: {_redis!.Flavor} ({_redis.Source})");
    }

    private Dictionary<string, Uri> AssignUrls()
    {
        var taken = new HashSet<int>(options.Ports.Values);
        var urls = new Dictionary<string, Uri>();
        foreach (var service in options.Services)
        {
            if (!options.Ports.TryGetValue(service.Name, out var port))
            {
                do
                {
                    port = FreePort.Next();
                }
                while (!taken.Add(port));
            }

            urls[service.Name] = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        }

        return urls;
    }

    private async Task WaitUntilHealthyAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var ready = new HashSet<string>();
        var started = options.TimeProvider.GetTimestamp();
        while (ready.Count < _services.Count)
        {
            foreach (var service in _services.Where(s => !ready.Contains(s.Resource.Name)))
            {
                if (service.HasExited)
                {
                    throw new AppHostException(CrashReport(service));
                }

                if (await IsReadyAsync(http, service.Url, ct))
                {
                    ready.Add(service.Resource.Name);
                    view.Info($"{service.Resource.Name} is healthy");
                }
            }

            var elapsed = options.TimeProvider.GetElapsedTime(started);
            view.Status($"waiting for /health/ready: {string.Join("  ", _services.Select(s => $"{s.Resource.Name} {(ready.Contains(s.Resource.Name) ? "ok" : "...")}"))}  ({elapsed.TotalSeconds:0} s)");
            if (ready.Count == _services.Count)
            {
                break;
            }

            if (elapsed > options.HealthTimeout)
            {
                var waiting = string.Join(", ", _services.Where(s => !ready.Contains(s.Resource.Name)).Select(s => s.Resource.Name));
                throw new AppHostException($"{waiting} did not report healthy at /health/ready within {options.HealthTimeout.TotalSeconds:0} s.");
            }

            await Task.Delay(HealthPollInterval, options.TimeProvider, ct);
        }

        view.ClearStatus();
    }

    private static async Task<bool> IsReadyAsync(HttpClient http, Uri url, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(url, "/health/ready"), ct);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static string CrashReport(ServiceProcess service)
    {
        var output = service.RecentOutput();
        var portHint = output.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
            ? $" Its port {service.Url.Port} was taken by another process; run again to get a free port."
            : string.Empty;
        return $"{service.Resource.Name} exited with code {service.ExitCode} during startup.{portHint}\nLast output of {service.Resource.Name}:\n{output}";
    }

    private async Task ReportUnexpectedExitAsync(ServiceProcess service)
    {
        await service.Exited;
        if (!_stopping && !service.Killed)
        {
            view.Error($"{service.Resource.Name} exited with code {service.ExitCode}; the others keep running. Restart the AppHost to bring it back.");
        }
    }

    private void PrintSummary(GeneratedSecret adminKey)
    {
        var width = Math.Max("SERVICE".Length, _services.Max(s => s.Resource.Name.Length));
        view.Raw(string.Empty);
        view.Raw($"  {"SERVICE".PadRight(width)}  URL                          PID");
        foreach (var service in _services)
        {
            view.Raw($"  {service.Resource.Name.PadRight(width)}  {service.Url.GetLeftPart(UriPartial.Authority),-27}  {service.ProcessId}");
        }

        view.Raw($"  {PlatformModel.Postgres.PadRight(width)}  {Describe(_postgres!)}");
        view.Raw($"  {PlatformModel.Redis.PadRight(width)}  {_redis!.ConnectionString} ({_redis.Flavor})");
        view.Raw(string.Empty);
        if (adminKey.CreatedNow)
        {
            view.Raw($"  Bootstrap admin key (shown once, stored in {adminKey.FilePath}):");
            view.Raw($"    {adminKey.Value}");
        }
        else
        {
            view.Raw($"  Bootstrap admin key: {adminKey.FilePath}");
        }

        view.Raw($"  State: {AppHostState.PathIn(options.DataDirectory)}");
        view.Raw("  Press Ctrl+C to stop.");
        view.Raw(string.Empty);
    }

    /// <summary>Host and port only: the table is shown on screen and must not show the password.</summary>
    private static string Describe(PostgresResource postgres)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(postgres.ConnectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database} ({postgres.Source})";
    }

    private void StateFileRemove()
    {
        if (Directory.Exists(options.DataDirectory))
        {
            AppHostState.Remove(options.DataDirectory);
        }
    }
}
