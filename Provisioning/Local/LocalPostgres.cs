using System.Globalization;
using System.Security.Cryptography;
using Npgsql;
using Platform.Provisioning.Processes;

namespace Platform.Provisioning.Local;

/// <summary>
/// A PostgreSQL cluster in <c>DataDirectory/postgres</c>, started with pg_ctl on a free loopback port with
/// no unix socket. When we are root the cluster belongs to the <c>postgres</c> OS user, because the server
/// refuses to run as root.
/// </summary>
internal sealed class LocalPostgres
{
    private const string PasswordFileName = "postgres.password";
    private const int PortAttempts = 3;

    private readonly ProvisioningOptions _options;
    private readonly string _bin;
    private readonly string _clusterDirectory;
    private readonly string _passwordFile;
    private readonly bool _asPostgresUser = PosixProcess.IsRoot;

    private LocalPostgres(ProvisioningOptions options, string bin)
    {
        _options = options;
        _bin = bin;
        _clusterDirectory = ClusterDirectory(Path.GetFullPath(options.DataDirectory), _asPostgresUser);
        _passwordFile = Path.Combine(Path.GetFullPath(options.DataDirectory), PasswordFileName);
    }

    public static async Task<PostgresResource> StartAsync(ProvisioningOptions options, string bin, CancellationToken ct)
    {
        var server = new LocalPostgres(options, bin);
        return await server.StartAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Normally <c>DataDirectory/postgres</c>. When we are root and a parent of DataDirectory is closed to other
    /// users (a 0700 temp dir, /root), the postgres user could not reach it, so the cluster goes to a
    /// per-DataDirectory path under the temp directory instead (stable, so KeepData still reuses it).
    /// </summary>
    private static string ClusterDirectory(string dataDirectory, bool asPostgresUser)
    {
        var inPlace = Path.Combine(dataDirectory, "postgres");
        if (!asPostgresUser || ParentsAreTraversable(dataDirectory))
        {
            return inPlace;
        }

        var id = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dataDirectory)))[..16];
        return Path.Combine(Path.GetTempPath(), $"platform-postgres-{id}");
    }

    private static bool ParentsAreTraversable(string directory)
    {
        for (var parent = Directory.GetParent(directory); parent is not null; parent = parent.Parent)
        {
            if (parent.Exists && (File.GetUnixFileMode(parent.FullName) & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return true;
    }

    private string Tool(string name) => Path.Combine(_bin, name);

    private async Task<PostgresResource> StartAsync(CancellationToken ct)
    {
        PrepareDataDirectory();
        var password = await EnsureClusterAsync(ct).ConfigureAwait(false);
        await HandleLeftoverServerAsync(ct).ConfigureAwait(false);

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            _options.Report($"postgres: starting {Tool("postgres")} on 127.0.0.1:{port}");
            var start = await RunToolAsync("pg_ctl", ["-D", _clusterDirectory, "-l", Path.Combine(_clusterDirectory, "server.log"), "-w", "-t", "60", "-o", ServerOptions(port), "start"], TimeSpan.FromSeconds(90), ct).ConfigureAwait(false);
            if (start.ExitCode == 0)
            {
                return await ConnectAsync(port, password, ct).ConfigureAwait(false);
            }

            var log = ServerLogTail();
            if (attempt < PortAttempts && log.Contains("could not bind", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            throw new InfrastructureUnavailableException($"PostgreSQL did not start (pg_ctl exit {start.ExitCode}).\n{start.Tail()}\n{log}");
        }
    }

    private string ServerOptions(int port)
    {
        // Each service process holds its own pools (Marten, Wolverine's agents, listeners); a test run starts
        // several platforms side by side, which outgrows the default of 100 connections.
        // Wolverine's outbox, queue and inbox tables take an insert and a delete per message: with the default one-minute
        // autovacuum round they swelled to over a thousand pages of dead rows under load, and every poll and every
        // prepared lookup planned on the empty table scanned them all (docs/operations.md, "PostgreSQL settings").
        var settings = $"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' -c max_connections=300 -c autovacuum_naptime=2s";

        // Throwaway clusters trade durability for speed; a kept cluster must survive a crash, and a benchmark measures
        // the durable path.
        return _options.KeepData || _options.Durable ? settings : settings + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
    }

    private async Task<PostgresResource> ConnectAsync(int port, string password, CancellationToken ct)
    {
        var pid = ReadPostmasterPid() ?? throw new InfrastructureUnavailableException("PostgreSQL started but wrote no postmaster.pid.");
        var watchdog = OrphanWatchdog.Start(StopCommand());
        try
        {
            var builder = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = port,
                Username = "postgres",
                Password = password,
                Database = "postgres",
            };
            await WaitUntilAcceptingAsync(builder.ConnectionString, ct).ConfigureAwait(false);
            await using (var connection = new NpgsqlConnection(builder.ConnectionString + ";Pooling=false"))
            {
                await connection.OpenAsync(ct).ConfigureAwait(false);
                await PostgresResource.CreateIfMissingAsync(connection, "platform", ct).ConfigureAwait(false);
            }

            builder.Database = "platform";
            _options.Report($"postgres: ready on 127.0.0.1:{port} (pid {pid})");
            var connectionString = builder.ConnectionString;
            return new PostgresResource(connectionString, $"local:{Tool("postgres")}", () => StopAsync(watchdog), new Control(this, port, connectionString));
        }
        catch
        {
            await StopAsync(watchdog).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stop and start without deleting anything, on the same port, so clients reconnect to the same address.</summary>
    private sealed class Control(LocalPostgres server, int port, string connectionString) : IServerControl
    {
        public async Task StopAsync()
        {
            var stop = await server.RunToolAsync("pg_ctl", ["-D", server._clusterDirectory, "-m", "fast", "-w", "-t", "30", "stop"], TimeSpan.FromSeconds(40), CancellationToken.None).ConfigureAwait(false);
            if (stop.ExitCode != 0)
            {
                throw new InfrastructureUnavailableException($"pg_ctl stop failed (exit {stop.ExitCode}).\n{stop.Tail()}");
            }

            server._options.Report("postgres: stopped (drill)");
        }

        public async Task StartAsync()
        {
            var start = await server.RunToolAsync("pg_ctl", ["-D", server._clusterDirectory, "-l", Path.Combine(server._clusterDirectory, "server.log"), "-w", "-t", "60", "-o", server.ServerOptions(port), "start"], TimeSpan.FromSeconds(90), CancellationToken.None).ConfigureAwait(false);
            if (start.ExitCode != 0)
            {
                throw new InfrastructureUnavailableException($"PostgreSQL did not start again (pg_ctl exit {start.ExitCode}).\n{start.Tail()}\n{server.ServerLogTail()}");
            }

            await WaitUntilAcceptingAsync(connectionString, CancellationToken.None).ConfigureAwait(false);
            server._options.Report($"postgres: started again on 127.0.0.1:{port}");
        }
    }

    private static async Task WaitUntilAcceptingAsync(string connectionString, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
                await connection.OpenAsync(timeout.Token).ConfigureAwait(false);
                return;
            }
            catch (NpgsqlException) when (!timeout.IsCancellationRequested)
            {
                await Task.Delay(100, timeout.Token).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask StopAsync(OrphanWatchdog watchdog)
    {
        watchdog.Dispose();
        NpgsqlConnection.ClearAllPools();
        var pid = ReadPostmasterPid();
        var stop = await RunToolAsync("pg_ctl", ["-D", _clusterDirectory, "-m", "fast", "-w", "-t", "30", "stop"], TimeSpan.FromSeconds(40), CancellationToken.None).ConfigureAwait(false);
        if (stop.ExitCode != 0 && pid is { } alive && PosixProcess.IsAlive(alive))
        {
            PosixProcess.Signal(alive, PosixProcess.SigInt);
        }

        _options.Report("postgres: stopped");
        if (!_options.KeepData)
        {
            TryDelete(_clusterDirectory);
            TryDelete(_passwordFile);
        }
    }

    /// <summary>The watchdog runs this after we die; pg_ctl must run as the cluster's owner.</summary>
    private string StopCommand()
    {
        var pgCtl = $"{OrphanWatchdog.Quote(Tool("pg_ctl"))} -D {OrphanWatchdog.Quote(_clusterDirectory)} -m fast -w stop";
        var stop = _asPostgresUser ? $"runuser -u postgres -- {pgCtl}" : pgCtl;
        return _options.KeepData ? stop : $"{stop}; rm -rf {OrphanWatchdog.Quote(_clusterDirectory)} {OrphanWatchdog.Quote(_passwordFile)}";
    }

    private void PrepareDataDirectory()
    {
        var root = Path.GetFullPath(_options.DataDirectory);
        Directory.CreateDirectory(root);
        if (_asPostgresUser && _clusterDirectory.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            // The postgres user only needs to pass through our directory to reach its cluster, not to list it.
            File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.OtherExecute);
        }
    }

    private async Task<string> EnsureClusterAsync(CancellationToken ct)
    {
        if (File.Exists(Path.Combine(_clusterDirectory, "PG_VERSION")))
        {
            if (!File.Exists(_passwordFile))
            {
                throw new InfrastructureUnavailableException(
                    $"The PostgreSQL cluster in {_clusterDirectory} has no password file ({_passwordFile}). Delete {_clusterDirectory} to start afresh.");
            }

            await CheckMajorVersionAsync(ct).ConfigureAwait(false);
            _options.Report($"postgres: reusing cluster in {_clusterDirectory}");
            return (await File.ReadAllTextAsync(_passwordFile, ct).ConfigureAwait(false)).Trim();
        }

        // A half-made cluster from an interrupted initdb cannot be reused.
        TryDelete(_clusterDirectory);
        Directory.CreateDirectory(_clusterDirectory);
        File.SetUnixFileMode(_clusterDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        await WriteOwnerOnlyFileAsync(_passwordFile, password, ct).ConfigureAwait(false);

        // initdb reads the password from a file; when it runs as postgres it cannot read ours, so it gets a
        // short-lived copy of its own next to the cluster, removed as soon as initdb is done.
        var initdbPasswordFile = _clusterDirectory + ".initdb-password";
        await WriteOwnerOnlyFileAsync(initdbPasswordFile, password, ct).ConfigureAwait(false);

        try
        {
            if (_asPostgresUser)
            {
                var chown = await ProcessRunner.RunAsync(ProcessRunner.StartInfo("chown", ["-R", "postgres:postgres", _clusterDirectory, initdbPasswordFile]), TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                if (chown.ExitCode != 0)
                {
                    throw new InfrastructureUnavailableException($"Could not hand {_clusterDirectory} to the postgres user: {chown.Tail()}");
                }
            }

            _options.Report($"postgres: initdb {_clusterDirectory}");
            List<string> initdb = ["-D", _clusterDirectory, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={initdbPasswordFile}", "--encoding=UTF8", "--locale=C"];
            if (!_options.KeepData)
            {
                initdb.Add("--no-sync");
            }

            var result = await RunToolAsync("initdb", initdb, TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw new InfrastructureUnavailableException($"initdb failed (exit {result.ExitCode}):\n{result.Tail()}");
            }
        }
        finally
        {
            File.Delete(initdbPasswordFile);
        }

        return password;
    }

    private static async Task WriteOwnerOnlyFileAsync(string path, string content, CancellationToken ct)
    {
        await using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        await file.WriteAsync(System.Text.Encoding.ASCII.GetBytes(content), ct).ConfigureAwait(false);
    }

    private async Task CheckMajorVersionAsync(CancellationToken ct)
    {
        var clusterVersion = (await File.ReadAllTextAsync(Path.Combine(_clusterDirectory, "PG_VERSION"), ct).ConfigureAwait(false)).Trim();
        var version = await RunToolAsync("postgres", ["--version"], TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        var serverMajor = version.Output.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Split('.')[0];
        if (serverMajor is not null && serverMajor != clusterVersion)
        {
            throw new InfrastructureUnavailableException(
                $"The cluster in {_clusterDirectory} was made by PostgreSQL {clusterVersion}, but {Tool("postgres")} is {serverMajor}. Delete {_clusterDirectory} to start afresh.");
        }
    }

    /// <summary>
    /// A postmaster.pid left by a killed run: if its process is still a postgres serving this cluster
    /// (its watchdog has not stopped it yet) we stop it; if it is dead or another program, the file is stale.
    /// </summary>
    private async Task HandleLeftoverServerAsync(CancellationToken ct)
    {
        var pidFile = Path.Combine(_clusterDirectory, "postmaster.pid");
        if (ReadPostmasterPid() is not { } pid)
        {
            return;
        }

        if (PosixProcess.IsAlive(pid) && IsPostgresProcess(pid))
        {
            _options.Report($"postgres: stopping a server left running by an earlier run (pid {pid})");
            await RunToolAsync("pg_ctl", ["-D", _clusterDirectory, "-m", "fast", "-w", "-t", "30", "stop"], TimeSpan.FromSeconds(40), ct).ConfigureAwait(false);
            return;
        }

        _options.Report($"postgres: removing stale postmaster.pid (pid {pid} is not running)");
        File.Delete(pidFile);
    }

    private static bool IsPostgresProcess(int pid)
    {
        try
        {
            var name = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/comm").Trim();
            return name is "postgres" or "postmaster";
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private int? ReadPostmasterPid()
    {
        var pidFile = Path.Combine(_clusterDirectory, "postmaster.pid");
        try
        {
            var first = File.ReadLines(pidFile).FirstOrDefault();
            return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private string ServerLogTail()
    {
        try
        {
            return string.Join('\n', File.ReadLines(Path.Combine(_clusterDirectory, "server.log")).TakeLast(10));
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private Task<ProcessResult> RunToolAsync(string tool, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        var info = ProcessRunner.StartInfo(Tool(tool), arguments, _asPostgresUser);

        // Under runuser the tool would otherwise start in our working directory, which postgres may not read.
        info.WorkingDirectory = _asPostgresUser ? "/" : info.WorkingDirectory;
        return ProcessRunner.RunAsync(info, timeout, ct);
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
