using Platform.Provisioning.Containers;
using Platform.Provisioning.Local;

namespace Platform.Provisioning;

/// <summary>
/// The one place that provides PostgreSQL and Redis, for the AppHost and the test fixtures alike.
/// Takes the first option that works: a configured connection string, a container where a Docker engine
/// answers, then local binaries.
/// </summary>
public static class Infrastructure
{
    public static async Task<PostgresResource> ProvisionPostgresAsync(ProvisioningOptions o, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (!string.IsNullOrWhiteSpace(o.PostgresConnectionString))
        {
            o.Report("postgres: using the configured connection string");
            return new PostgresResource(o.PostgresConnectionString, "configuration", ProvisionedResource.NothingToRelease);
        }

        if (await ContainerServers.TryPostgresAsync(o, ct).ConfigureAwait(false) is { } container)
        {
            return container;
        }

        var bin = BinaryLocator.FindPostgresBin(BinaryLocator.SearchPaths(o))
            ?? throw new InfrastructureUnavailableException(
                "No PostgreSQL: no connection string is configured, no Docker engine answers, and initdb/pg_ctl/postgres were not found "
                + "in PATH or /usr/lib/postgresql/*/bin. Set ConnectionStrings__postgres, start a Docker engine, "
                + "or install PostgreSQL (apt-get install postgresql).");
        return await LocalPostgres.StartAsync(o, bin, ct).ConfigureAwait(false);
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1068", Justification = "Public signature agreed with the services; the flavor is an optional tail.")]
    public static async Task<RedisResource> ProvisionRedisAsync(ProvisioningOptions o, CancellationToken ct = default, RedisFlavor preferred = RedisFlavor.Auto)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (!string.IsNullOrWhiteSpace(o.RedisConnectionString))
        {
            o.Report("redis: using the configured connection string");
            return new RedisResource(o.RedisConnectionString, "configuration", "external", control: null);
        }

        if (preferred != RedisFlavor.Garnet && await ContainerServers.TryRedisAsync(o, ct).ConfigureAwait(false) is { } container)
        {
            return container;
        }

        if (preferred != RedisFlavor.Garnet && BinaryLocator.Find("redis-server", BinaryLocator.SearchPaths(o)) is { } redisServer)
        {
            return await LocalRedis.RedisServer(o, redisServer).ProvisionAsync(ct).ConfigureAwait(false);
        }

        if (preferred != RedisFlavor.RedisServer && await GarnetTool.FindAsync(o, ct).ConfigureAwait(false) is { } garnet)
        {
            return await LocalRedis.Garnet(o, garnet).ProvisionAsync(ct).ConfigureAwait(false);
        }

        var missing = preferred switch
        {
            RedisFlavor.RedisServer => "redis-server was not found in PATH. Install it (apt-get install redis-server)",
            RedisFlavor.Garnet => "the garnet-server tool was not found. Run `dotnet tool restore` in the repository",
            _ => "neither redis-server (PATH) nor the garnet-server tool (.config/dotnet-tools.json) was found. "
                + "Install redis-server (apt-get install redis-server) or run `dotnet tool restore`",
        };
        throw new InfrastructureUnavailableException(
            $"No Redis: no connection string is configured and no Docker engine answers; {missing}, or set ConnectionStrings__redis.");
    }
}
