using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Provisioning.Local;
using Platform.Provisioning.Processes;

namespace Platform.Provisioning;

/// <summary>
/// PostgreSQL and Redis for the platform, one way for the AppHost and the tests: a configured server
/// (<c>ConnectionStrings:postgres</c>, <c>ConnectionStrings:redis</c>), else Aspire's containers where a Docker engine
/// answers (and always when publishing), else the machine's own binaries as Aspire resources.
/// </summary>
public static partial class PlatformDatastores
{
    public const string Postgres = "postgres";
    public const string PostgresServer = "postgres-server";
    public const string Redis = "redis";

    public static IResourceBuilder<IResourceWithConnectionString> AddPlatformPostgres(this IDistributedApplicationBuilder builder, DatastoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.ExecutionContext.IsRunMode && builder.Configuration.GetConnectionString(Postgres) is { Length: > 0 })
        {
            return builder.AddConnectionString(Postgres);
        }

        if (builder.ExecutionContext.IsPublishMode || ContainerRuntime.Answers)
        {
            return builder.AddPostgres(PostgresServer)
                .WithImageRegistry(null)
                // The message tables churn one insert and one delete per message; see docs/operations.md.
                .WithArgs("-c", "autovacuum_naptime=2s", "-c", "max_connections=300")
                .AddDatabase(Postgres, PostgresCluster.DatabaseName);
        }

        var bin = FindPostgresBin(BinaryLocator.SearchPaths());
        var cluster = new PostgresCluster(bin, options.DataDirectory);
        var port = FreePort.Next();
        var connectionString = $"Host=127.0.0.1;Port={Invariant(port)};Username=postgres;Password={cluster.Password()};Database={PostgresCluster.DatabaseName}";

        // DCP stops an executable with SIGTERM, which PostgreSQL reads as "wait for every client to leave"; the wrapper
        // turns it into SIGINT (fast shutdown), so stopping never waits on the services' pools.
        const string ForwardStop = "trap 'kill -INT $child' TERM INT; \"$0\" \"$@\" & child=$!; wait $child; trap - TERM INT; wait $child";
        List<string> command = ["/bin/sh", "-c", ForwardStop, cluster.Server, "-D", cluster.Directory, .. PostgresCluster.Settings(port, options.Durable)];
        if (PostgresCluster.AsPostgresUser)
        {
            // setpriv execs without forking, so DCP's signals reach the shell above.
            command.InsertRange(0, ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]);
        }

        var server = new LocalServerResource(Postgres, command[0], "/", connectionString);
        return builder.AddLocalServer(server, command.Skip(1), port, check => check.AddNpgSql(connectionString, name: HealthCheckName(Postgres)))
            .OnBeforeResourceStarted(async (_, started, ct) =>
            {
                var log = started.Services.GetRequiredService<ResourceLoggerService>().GetLogger(server);
                await cluster.EnsureAsync(line => LogStep(log, line), ct).ConfigureAwait(false);
            });
    }

    public static IResourceBuilder<IResourceWithConnectionString> AddPlatformRedis(this IDistributedApplicationBuilder builder, DatastoreOptions options, string repositoryRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.ExecutionContext.IsRunMode && builder.Configuration.GetConnectionString(Redis) is { Length: > 0 })
        {
            return builder.AddConnectionString(Redis);
        }

        if (builder.ExecutionContext.IsPublishMode || (options.RedisServer is null && ContainerRuntime.Answers))
        {
            return builder.AddRedis(Redis).WithImageRegistry(null);
        }

        var port = FreePort.Next();
        var connectionString = $"127.0.0.1:{Invariant(port)}";
        var command = RedisCommand(options, port, repositoryRoot, BinaryLocator.SearchPaths());
        var server = new LocalServerResource(Redis, command[0], "/", connectionString);
        return builder.AddLocalServer(server, command.Skip(1), port, check => check.AddRedis(connectionString, name: HealthCheckName(Redis)));
    }

    /// <summary>Where initdb and postgres are (looked for in <paramref name="searchPaths"/>), or the one message that says how to provide PostgreSQL.</summary>
    internal static string FindPostgresBin(IReadOnlyList<string> searchPaths) =>
        BinaryLocator.FindPostgresBin(searchPaths)
            ?? throw new InfrastructureUnavailableException(
                "No PostgreSQL: ConnectionStrings:postgres is not set, no Docker engine answers, and initdb/postgres are neither in PATH "
                + "nor in /usr/lib/postgresql/*/bin. Install them (apt-get install postgresql), start Docker, or set ConnectionStrings__postgres.");

    /// <summary>
    /// The command line of the chosen (or first found) Redis server: redis-server from <paramref name="searchPaths"/>, else
    /// garnet from the repository's tool manifest; or the one message that says how to provide one.
    /// </summary>
    internal static string[] RedisCommand(DatastoreOptions options, int port, string repositoryRoot, IReadOnlyList<string> searchPaths)
    {
        var redisServer = options.RedisServer is null or DatastoreOptions.RedisServerBinary ? BinaryLocator.Find("redis-server", searchPaths) : null;
        var garnet = redisServer is null && options.RedisServer is (null or DatastoreOptions.Garnet) ? GarnetTool.Find(repositoryRoot) : null;
        return (redisServer, garnet) switch
        {
            ({ } binary, _) => [binary, "--port", Invariant(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            (_, { } assembly) => [DotnetHost.Path, assembly, "--lua", "--port", Invariant(port), "--bind", "127.0.0.1"],
            _ => throw new InfrastructureUnavailableException(options.RedisServer switch
            {
                DatastoreOptions.RedisServerBinary => "No Redis: AppHost:Redis asks for redis-server, which is not in PATH. Install it (apt-get install redis-server).",
                DatastoreOptions.Garnet => "No Redis: AppHost:Redis asks for garnet, and the garnet-server tool (.config/dotnet-tools.json) could not be restored. Run `dotnet tool restore`.",
                _ => "No Redis: ConnectionStrings:redis is not set, no Docker engine answers, redis-server is not in PATH and the garnet-server "
                    + "tool (.config/dotnet-tools.json) could not be restored. Install redis-server (apt-get install redis-server), start Docker, "
                    + "or set ConnectionStrings__redis.",
            }),
        };
    }

    private static IResourceBuilder<LocalServerResource> AddLocalServer(
        this IDistributedApplicationBuilder builder, LocalServerResource server, IEnumerable<string> arguments, int port, Action<IHealthChecksBuilder> healthCheck)
    {
        healthCheck(builder.Services.AddHealthChecks());
        return builder.AddResource(server)
            .WithArgs([.. arguments])
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: "tcp", isProxied: false)
            .WithHealthCheck(HealthCheckName(server.Name))
            .ExcludeFromManifest();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Step}")]
    private static partial void LogStep(ILogger logger, string step);

    private static string HealthCheckName(string resource) => $"{resource}-accepts-connections";

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
