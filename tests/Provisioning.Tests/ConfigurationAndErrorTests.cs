using System.Diagnostics;

namespace Platform.Provisioning.Tests;

public sealed class ConfigurationAndErrorTests
{
    [Fact]
    public async Task Configured_connection_strings_are_used_as_they_are()
    {
        var options = new ProvisioningOptions
        {
            DataDirectory = "/nonexistent",
            PostgresConnectionString = "Host=db.example;Database=x",
            RedisConnectionString = "cache.example:6380",
        };

        await using var postgres = await Infrastructure.ProvisionPostgresAsync(options, TestContext.Current.CancellationToken);
        await using var redis = await Infrastructure.ProvisionRedisAsync(options, TestContext.Current.CancellationToken);

        Assert.Equal(("Host=db.example;Database=x", "configuration"), (postgres.ConnectionString, postgres.Source));
        Assert.Equal(("cache.example:6380", "configuration", "external"), (redis.ConnectionString, redis.Source, redis.Flavor));
        await Assert.ThrowsAsync<NotSupportedException>(redis.StopAsync);
        await Assert.ThrowsAsync<NotSupportedException>(redis.StartAsync);
    }

    [Fact]
    public async Task Missing_postgres_binaries_fail_fast_and_say_how_to_provide_postgres()
    {
        using var empty = new TempDirectory();
        var options = new ProvisioningOptions { DataDirectory = empty.Path, BinarySearchPaths = [empty.Path] };
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<InfrastructureUnavailableException>(() => Infrastructure.ProvisionPostgresAsync(options, TestContext.Current.CancellationToken));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Contains("ConnectionStrings__postgres", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install postgresql", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_redis_server_fails_fast_and_says_how_to_provide_redis()
    {
        using var empty = new TempDirectory();
        var options = new ProvisioningOptions { DataDirectory = empty.Path, BinarySearchPaths = [empty.Path] };
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<InfrastructureUnavailableException>(
            () => Infrastructure.ProvisionRedisAsync(options, TestContext.Current.CancellationToken, RedisFlavor.RedisServer));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Contains("ConnectionStrings__redis", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install redis-server", error.Message, StringComparison.Ordinal);
    }
}
