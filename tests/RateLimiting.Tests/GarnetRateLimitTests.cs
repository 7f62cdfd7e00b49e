using Platform.Provisioning;
using StackExchange.Redis;

namespace Platform.RateLimiting.Tests;

/// <summary>The same scenarios on garnet-server, whose Lua (5.4, integers) differs from Redis' (5.1, doubles).</summary>
public sealed class GarnetRateLimitTests(GarnetServer garnet) : RateLimitScenarios, IClassFixture<GarnetServer>
{
    protected override IConnectionMultiplexer Redis => garnet.Connection;
}

public sealed class GarnetServer : IAsyncLifetime
{
    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("ratelimit-garnet-");
    private RedisResource? _server;
    private ConnectionMultiplexer? _connection;

    public IConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync()
    {
        _server = await Infrastructure.ProvisionRedisAsync(
            new ProvisioningOptions { DataDirectory = _dataDirectory.FullName, UseContainers = false },
            TestContext.Current.CancellationToken,
            RedisFlavor.Garnet);
        Assert.Equal("garnet", _server.Flavor);
        _connection = await TestRedis.ConnectAsync(_server.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _dataDirectory.Delete(recursive: true);
    }
}
