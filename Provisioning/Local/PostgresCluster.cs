using System.Globalization;
using System.Security.Cryptography;
using Platform.Provisioning.Processes;

namespace Platform.Provisioning.Local;

/// <summary>
/// A PostgreSQL cluster in <c>DataDirectory/postgres</c> with the <c>platform</c> database, made once and reused. When
/// we are root the cluster belongs to the <c>postgres</c> OS user, because the server refuses to run as root.
/// </summary>
internal sealed class PostgresCluster
{
    public const string DatabaseName = "platform";
    private const string PasswordFileName = "postgres.password";

    private readonly string _bin;
    private readonly string _dataDirectory;
    private readonly string _passwordFile;

    public PostgresCluster(string bin, string dataDirectory)
    {
        _bin = bin;
        _dataDirectory = dataDirectory;
        Directory = ClusterDirectory(dataDirectory, AsPostgresUser);
        _passwordFile = Path.Combine(dataDirectory, PasswordFileName);
    }

    public static bool AsPostgresUser => PosixProcess.IsRoot;

    public string Directory { get; }

    public string Server => Tool("postgres");

    /// <summary>The superuser password: made with the cluster, kept beside it so a kept cluster is reachable next run.</summary>
    public string Password()
    {
        System.IO.Directory.CreateDirectory(_dataDirectory);
        if (!File.Exists(_passwordFile))
        {
            if (File.Exists(Path.Combine(Directory, "PG_VERSION")))
            {
                throw new InfrastructureUnavailableException(
                    $"The PostgreSQL cluster in {Directory} has no password file ({_passwordFile}). Delete {Directory} to start afresh.");
            }

            WriteOwnerOnlyFile(_passwordFile, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
        }

        return File.ReadAllText(_passwordFile).Trim();
    }

    /// <summary>Server settings for the command line; see docs/operations.md, "PostgreSQL settings".</summary>
    public static IReadOnlyList<string> Settings(int port, bool durable)
    {
        // Each service process holds its own pools (Marten, Wolverine's agents, listeners) and a test run starts
        // several platforms side by side. Wolverine's queue tables take an insert and a delete per message: with the
        // default one-minute autovacuum round they swelled with dead rows that every poll then scanned.
        List<string> settings =
        [
            "-c", "listen_addresses=127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-c", "unix_socket_directories=",
            "-c", "max_connections=300", "-c", "autovacuum_naptime=2s",
        ];
        if (!durable)
        {
            settings.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        return settings;
    }

    /// <summary>Makes the cluster and its database unless they exist; refuses a cluster another server still serves.</summary>
    public async Task EnsureAsync(Action<string> log, CancellationToken ct)
    {
        PrepareDataDirectory();
        if (File.Exists(Path.Combine(Directory, "PG_VERSION")))
        {
            await CheckMajorVersionAsync(ct).ConfigureAwait(false);
            CheckNoServerIsRunning();
            log($"reusing the cluster in {Directory}");
            return;
        }

        // A half-made cluster from an interrupted initdb cannot be reused.
        TryDelete(Directory);
        System.IO.Directory.CreateDirectory(Directory);
        File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // initdb reads the password from a file; when it runs as postgres it cannot read ours, so it gets a short-lived
        // copy of its own next to the cluster.
        var initdbPasswordFile = Directory + ".initdb-password";
        WriteOwnerOnlyFile(initdbPasswordFile, Password());
        try
        {
            if (AsPostgresUser)
            {
                var chown = await ProcessRunner.RunAsync(ProcessRunner.StartInfo("chown", ["-R", "postgres:postgres", Directory, initdbPasswordFile]), TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                if (chown.ExitCode != 0)
                {
                    throw new InfrastructureUnavailableException($"Could not hand {Directory} to the postgres user: {chown.Tail()}");
                }
            }

            log($"initdb {Directory}");
            var initdb = await RunToolAsync("initdb", ["-D", Directory, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={initdbPasswordFile}", "--encoding=UTF8", "--locale=C", "--no-sync"], null, TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
            if (initdb.ExitCode != 0)
            {
                throw new InfrastructureUnavailableException($"initdb failed (exit {initdb.ExitCode}):\n{initdb.Tail()}");
            }
        }
        finally
        {
            File.Delete(initdbPasswordFile);
        }

        // Single-user mode creates the database before any client can connect, so nothing has to wait for it.
        var create = await RunToolAsync("postgres", ["--single", "-D", Directory, "-j", "postgres"], $"CREATE DATABASE {DatabaseName};\n", TimeSpan.FromMinutes(1), ct).ConfigureAwait(false);
        if (create.ExitCode != 0)
        {
            throw new InfrastructureUnavailableException($"Creating the {DatabaseName} database failed (exit {create.ExitCode}):\n{create.Tail()}");
        }
    }

    /// <summary>
    /// Normally <c>DataDirectory/postgres</c>. When we are root and a parent of DataDirectory is closed to other users (a
    /// 0700 temp dir, /root), the postgres user could not reach it, so the cluster goes to a per-DataDirectory path under
    /// the temp directory instead (stable, so a kept cluster is reused).
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
        for (var parent = System.IO.Directory.GetParent(directory); parent is not null; parent = parent.Parent)
        {
            if (parent.Exists && (File.GetUnixFileMode(parent.FullName) & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return true;
    }

    private string Tool(string name) => Path.Combine(_bin, name);

    private void PrepareDataDirectory()
    {
        System.IO.Directory.CreateDirectory(_dataDirectory);
        if (AsPostgresUser && Directory.StartsWith(_dataDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            // The postgres user only needs to pass through our directory to reach its cluster, not to list it.
            File.SetUnixFileMode(_dataDirectory, File.GetUnixFileMode(_dataDirectory) | UnixFileMode.OtherExecute);
        }
    }

    private async Task CheckMajorVersionAsync(CancellationToken ct)
    {
        var clusterVersion = (await File.ReadAllTextAsync(Path.Combine(Directory, "PG_VERSION"), ct).ConfigureAwait(false)).Trim();
        var version = await RunToolAsync("postgres", ["--version"], null, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        var serverMajor = version.Output.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Split('.')[0];
        if (serverMajor is not null && serverMajor != clusterVersion)
        {
            throw new InfrastructureUnavailableException(
                $"The cluster in {Directory} was made by PostgreSQL {clusterVersion}, but {Server} is {serverMajor}. Delete {Directory} to start afresh.");
        }
    }

    /// <summary>
    /// A live postmaster for this cluster belongs to another AppHost on the same data folder, or to a killed run whose
    /// server survived; stopping it could break a running platform, so we say whose it is and stop.
    /// </summary>
    private void CheckNoServerIsRunning()
    {
        var pidFile = Path.Combine(Directory, "postmaster.pid");
        string? first;
        try
        {
            first = File.ReadLines(pidFile).FirstOrDefault();
        }
        catch (IOException)
        {
            return;
        }

        if (int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && PosixProcess.IsAlive(pid) && IsPostgresProcess(pid))
        {
            throw new InfrastructureUnavailableException(
                $"PostgreSQL (pid {pid}) already serves {Directory}: another AppHost runs from this folder, or a killed one left it behind. "
                + $"Stop that AppHost, or end the server with `kill -INT {pid}`, or give this run its own folder with --AppHost:DataDirectory.");
        }
    }

    private static bool IsPostgresProcess(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/comm").Trim() is "postgres" or "postmaster";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private async Task<ProcessResult> RunToolAsync(string tool, IEnumerable<string> arguments, string? input, TimeSpan timeout, CancellationToken ct)
    {
        var info = ProcessRunner.StartInfo(Tool(tool), arguments, AsPostgresUser);

        // Under runuser the tool would otherwise start in our working directory, which postgres may not read.
        info.WorkingDirectory = AsPostgresUser ? "/" : info.WorkingDirectory;
        return await ProcessRunner.RunAsync(info, timeout, ct, input).ConfigureAwait(false);
    }

    private static void WriteOwnerOnlyFile(string path, string content)
    {
        using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        file.Write(System.Text.Encoding.ASCII.GetBytes(content));
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (System.IO.Directory.Exists(path))
            {
                System.IO.Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
