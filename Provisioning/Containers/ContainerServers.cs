using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Configurations;
using Platform.Provisioning.Processes;
using Testcontainers.PostgreSql;
using Testcontainers.Redis;

namespace Platform.Provisioning.Containers;

internal static class ContainerServers
{
    // Pinned tags: a moving tag would change the server under the tests without a commit.
    private const string PostgresImage = "postgres:15.10-alpine";
    private const string RedisImage = "redis:7.4.2-alpine";

    public static async Task<PostgresResource?> TryPostgresAsync(ProvisioningOptions options, CancellationToken ct)
    {
        if (!options.UseContainers || !await DockerProbe.EngineAnswersAsync().ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            options.Report($"postgres: starting container {PostgresImage}");
            var container = new PostgreSqlBuilder(PostgresImage).WithDatabase("platform").Build();
            await container.StartAsync(ct).ConfigureAwait(false);
            return new PostgresResource(container.GetConnectionString(), "container", container.DisposeAsync);
        }
        catch (DockerUnavailableException e)
        {
            options.Report($"postgres: no container ({e.Message})");
            return null;
        }
    }

    public static async Task<RedisResource?> TryRedisAsync(ProvisioningOptions options, CancellationToken ct)
    {
        if (!options.UseContainers || !await DockerProbe.EngineAnswersAsync().ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            options.Report($"redis: starting container {RedisImage}");

            // A fixed host port, so a stopped and restarted container answers on the same address.
            var port = FreePort.Next();
            var container = new RedisBuilder(RedisImage).WithPortBinding(port, RedisBuilder.RedisPort).Build();
            await container.StartAsync(ct).ConfigureAwait(false);
            return new RedisResource($"127.0.0.1:{port}", "container", "redis-server", new ContainerControl(container));
        }
        catch (DockerUnavailableException e)
        {
            options.Report($"redis: no container ({e.Message})");
            return null;
        }
    }

    private sealed class ContainerControl(IContainer container) : IRedisServerControl
    {
        public Task StopAsync() => container.StopAsync();

        public Task StartAsync() => container.StartAsync();

        public ValueTask DisposeAsync() => container.DisposeAsync();
    }
}
