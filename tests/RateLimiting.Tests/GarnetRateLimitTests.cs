using System.Globalization;
using Platform.Provisioning;
using Platform.Testing;
using StackExchange.Redis;

namespace Platform.RateLimiting.Tests;

/// <summary>The same scenarios on garnet-server, whose Lua (5.4, integers) differs from Redis' (5.1, doubles).</summary>
public sealed class GarnetRateLimitTests(GarnetServer garnet) : RateLimitScenarios, IClassFixture<GarnetServer>
{
    protected override IConnectionMultiplexer Redis => garnet.Connection;
}

/// <summary>The AppHost's <c>redis</c> resource alone, run from garnet-server (<c>AppHost:Redis=garnet</c>).</summary>
public sealed class GarnetServer : IAsyncLifetime
{
    private AppHostRun? _server;
    private ConnectionMultiplexer? _connection;

    public IConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _server = await AppHostRun.StartAsync(
            settings: new Dictionary<string, string?> { ["AppHost:Redis"] = DatastoreOptions.Garnet },
            keep: new HashSet<string> { PlatformDatastores.Redis },
            ct: ct);

        // The scenarios would pass on redis-server too; make sure garnet is what answers.
        var pid = _server.ProcessId(PlatformDatastores.Redis).ToString(CultureInfo.InvariantCulture);
        var commandLine = (await File.ReadAllTextAsync($"/proc/{pid}/cmdline", ct)).Replace('\0', ' ');
        Assert.Contains("GarnetServer.dll", commandLine, StringComparison.Ordinal);
        _connection = await TestRedis.ConnectAsync(await _server.ConnectionStringAsync(PlatformDatastores.Redis, ct));
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
    }
}
