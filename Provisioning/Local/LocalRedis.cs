using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Platform.Provisioning.Processes;

namespace Platform.Provisioning.Local;

/// <summary>
/// redis-server or garnet-server as our child process on a fixed loopback port, so a failure drill can
/// stop it and start it again at the same address.
/// </summary>
internal sealed class LocalRedis : IRedisServerControl
{
    private const int OutputLinesKept = 30;

    private readonly ProvisioningOptions _options;
    private readonly string _fileName;
    private readonly Func<int, IReadOnlyList<string>> _arguments;
    private readonly TimeSpan _startTimeout;
    private readonly Queue<string> _output = new();
    private Process? _process;
    private OrphanWatchdog? _watchdog;

    private LocalRedis(ProvisioningOptions options, string flavor, string fileName, Func<int, IReadOnlyList<string>> arguments, TimeSpan startTimeout)
    {
        _options = options;
        Flavor = flavor;
        _fileName = fileName;
        _arguments = arguments;
        _startTimeout = startTimeout;
    }

    public string Flavor { get; }

    public int Port { get; private set; }

    public static LocalRedis RedisServer(ProvisioningOptions options, string redisServer) =>
        new(options, "redis-server", redisServer,
            port => ["--port", Invariant(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            TimeSpan.FromSeconds(15));

    /// <summary>Runs the tool's entry assembly directly, so the PID we hold is the server's and not the dotnet CLI's.</summary>
    public static LocalRedis Garnet(ProvisioningOptions options, string garnetDll) =>
        new(options, "garnet", DotnetHost(), port => [garnetDll, "--lua", "--port", Invariant(port), "--bind", "127.0.0.1"],
            TimeSpan.FromSeconds(90));

    public string Source => Flavor == "garnet" ? $"local:{_arguments(0)[0]}" : $"local:{_fileName}";

    public async Task<RedisResource> ProvisionAsync(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort.Next();
            try
            {
                await StartAsync(ct).ConfigureAwait(false);
                return new RedisResource($"127.0.0.1:{Invariant(Port)}", Source, Flavor, this);
            }
            catch (InfrastructureUnavailableException) when (attempt < 3 && !FreePort.IsFree(Port))
            {
                // Someone took the port between our probe and the server's bind.
            }
        }
    }

    public Task StartAsync() => StartAsync(CancellationToken.None);

    private async Task StartAsync(CancellationToken ct)
    {
        if (_process is { HasExited: false })
        {
            return;
        }

        _options.Report($"redis: starting {Flavor} on 127.0.0.1:{Invariant(Port)}");
        var info = ProcessRunner.StartInfo(_fileName, _arguments(Port));
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        _watchdog = OrphanWatchdog.Start($"kill -TERM {Invariant(process.Id)}");

        var started = Stopwatch.StartNew();
        while (!await RespPing.AnswersAsync(Port, ct).ConfigureAwait(false))
        {
            if (process.HasExited || started.Elapsed > _startTimeout)
            {
                await StopAsync().ConfigureAwait(false);
                throw new InfrastructureUnavailableException(
                    $"{Flavor} did not answer PING on 127.0.0.1:{Invariant(Port)} within {_startTimeout.TotalSeconds:0} s.\n{RecentOutput()}");
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        _options.Report($"redis: {Flavor} ready on 127.0.0.1:{Invariant(Port)} (pid {Invariant(process.Id)})");
    }

    public async Task StopAsync()
    {
        _watchdog?.Dispose();
        _watchdog = null;
        if (_process is { } process)
        {
            await PosixProcess.StopAsync(process, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            process.Dispose();
            _process = null;
            _options.Report($"redis: {Flavor} stopped");
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > OutputLinesKept)
            {
                _output.Dequeue();
            }
        }
    }

    private string RecentOutput()
    {
        lock (_output)
        {
            return string.Join('\n', _output);
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}

/// <summary>Finds garnet-server's entry assembly through the repository's tool manifest, restoring the tool if needed.</summary>
internal static class GarnetTool
{
    private const string PackageId = "garnet-server";

    public static async Task<string?> FindAsync(ProvisioningOptions options, CancellationToken ct)
    {
        var manifestDirectory = options.ToolManifestDirectory ?? FindManifestDirectory();
        if (manifestDirectory is null || ReadVersion(manifestDirectory) is not { } version)
        {
            return null;
        }

        if (FindEntryAssembly(version) is { } dll)
        {
            return dll;
        }

        options.Report("redis: dotnet tool restore (garnet-server)");
        var info = ProcessRunner.StartInfo(LocalRedis.DotnetHost(), ["tool", "restore"]);
        info.WorkingDirectory = manifestDirectory;
        await ProcessRunner.RunAsync(info, TimeSpan.FromMinutes(3), ct).ConfigureAwait(false);
        return FindEntryAssembly(version);
    }

    private static string? FindManifestDirectory()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, ".config", "dotnet-tools.json")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    private static string? ReadVersion(string manifestDirectory)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(manifestDirectory, ".config", "dotnet-tools.json")));
        return manifest.RootElement.TryGetProperty("tools", out var tools)
            && tools.TryGetProperty(PackageId, out var tool)
            && tool.TryGetProperty("version", out var version)
            ? version.GetString()
            : null;
    }

    private static string? FindEntryAssembly(string version)
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var tools = Path.Combine(packages, PackageId, version.ToLowerInvariant(), "tools");
        return Directory.Exists(tools)
            ? Directory.EnumerateFiles(tools, "GarnetServer.dll", SearchOption.AllDirectories).OrderDescending(StringComparer.Ordinal).FirstOrDefault()
            : null;
    }
}
