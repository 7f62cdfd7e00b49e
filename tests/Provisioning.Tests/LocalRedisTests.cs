using System.Globalization;
using Platform.Provisioning.Processes;

namespace Platform.Provisioning.Tests;

public sealed class LocalRedisTests
{
    [Theory]
    [InlineData(RedisFlavor.RedisServer, "redis-server")]
    [InlineData(RedisFlavor.Garnet, "garnet")]
    public async Task Server_stops_and_starts_again_on_the_same_port(RedisFlavor flavor, string expectedFlavor)
    {
        using var temp = new TempDirectory();
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await Infrastructure.ProvisionRedisAsync(new() { DataDirectory = temp.Path, UseContainers = false }, ct, flavor);
        var port = int.Parse(redis.ConnectionString.Split(':')[1], CultureInfo.InvariantCulture);

        Assert.Equal(expectedFlavor, redis.Flavor);
        Assert.StartsWith("local:", redis.Source, StringComparison.Ordinal);
        Assert.True(await RespPing.AnswersAsync(port, ct));

        await redis.StopAsync();
        Assert.False(await RespPing.AnswersAsync(port, ct));

        await redis.StartAsync();
        Assert.True(await RespPing.AnswersAsync(port, ct));
    }

    [Fact]
    public async Task Server_is_stopped_on_dispose()
    {
        using var temp = new TempDirectory();
        var ct = TestContext.Current.CancellationToken;
        var redis = await Infrastructure.ProvisionRedisAsync(new() { DataDirectory = temp.Path, UseContainers = false }, ct, RedisFlavor.RedisServer);
        var port = int.Parse(redis.ConnectionString.Split(':')[1], CultureInfo.InvariantCulture);

        await redis.DisposeAsync();

        Assert.False(await RespPing.AnswersAsync(port, ct));
    }
}
