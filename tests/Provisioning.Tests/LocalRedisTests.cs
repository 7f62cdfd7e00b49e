using Platform.Testing;

namespace Platform.Provisioning.Tests;

/// <summary>The AppHost's <c>redis</c> resource from either server the machine may have.</summary>
public sealed class LocalRedisTests
{
    [Theory]
    [InlineData(DatastoreOptions.RedisServerBinary, "/redis-server ")]
    [InlineData(DatastoreOptions.Garnet, "/GarnetServer.dll ")]
    public async Task The_chosen_server_stops_and_starts_again_on_the_same_port(string server, string commandLine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var run = await AppHostRun.StartAsync(
            settings: new Dictionary<string, string?> { ["AppHost:Redis"] = server },
            keep: new HashSet<string> { PlatformDatastores.Redis },
            ct: ct);
        var connectionString = await run.ConnectionStringAsync(PlatformDatastores.Redis, ct);
        var port = Probes.Port(connectionString);
        var pid = run.ProcessId(PlatformDatastores.Redis);

        Assert.StartsWith("127.0.0.1:", connectionString, StringComparison.Ordinal);
        Assert.Contains(commandLine, Probes.CommandLine(pid), StringComparison.Ordinal);
        Assert.True(await Probes.RedisAnswersAsync(port, ct));

        await run.StopAsync(PlatformDatastores.Redis, ct);
        Assert.False(Probes.IsAlive(pid), $"{server} (pid {pid}) still runs after stop");
        Assert.False(await Probes.RedisAnswersAsync(port, ct));

        await run.StartAsync(PlatformDatastores.Redis, ct);
        Assert.Equal(connectionString, await run.ConnectionStringAsync(PlatformDatastores.Redis, ct));
        Assert.NotEqual(pid, run.ProcessId(PlatformDatastores.Redis));
        Assert.True(await Probes.RedisAnswersAsync(port, ct));
    }
}
