using System.Globalization;
using Platform.Provisioning;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>The platform with a PostgreSQL and a Redis of its own, so that their processes are the platform's too.</summary>
public sealed class PlatformWithOwnServers(PlatformInfrastructure infrastructure) : RunningPlatform(infrastructure)
{
    protected override bool OwnPostgres => true;
    protected override bool OwnRedis => true;
}

/// <summary>Disposing the platform, as stopping the AppHost does, leaves none of the processes it ran behind.</summary>
public sealed class ShutdownTests(PlatformInfrastructure infrastructure)
{
    [Fact]
    public async Task No_process_the_platform_ran_is_alive_once_it_is_disposed()
    {
        var platform = new PlatformWithOwnServers(infrastructure);
        IReadOnlyList<ProcessEntry> ran;
        try
        {
            await platform.InitializeAsync();
            ran = ProcessesOf(platform);
        }
        finally
        {
            await platform.DisposeAsync();
        }

        var alive = ran.Where(p => p.IsAlive).ToList();
        Assert.True(alive.Count == 0, $"{alive.Count} of the {ran.Count} processes the platform ran are still alive:\n{string.Join('\n', alive)}");
    }

    /// <summary>
    /// This platform's DCP and all below it: its controllers and process monitors, the services, the PostgreSQL server
    /// with its backends, Redis, and whatever they started.
    /// </summary>
    private static IReadOnlyList<ProcessEntry> ProcessesOf(RunningPlatform platform)
    {
        // One DCP API server runs them all, and it is the one this test process started (it monitors the test process).
        var dcp = platform.DcpProcess();
        Assert.Contains("dcp start-apiserver", dcp.CommandLine, StringComparison.Ordinal);
        Assert.Contains($"--monitor {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)} ", dcp.CommandLine, StringComparison.Ordinal);

        var all = platform.Processes();
        var resources = platform.Services.Concat([PlatformDatastores.Postgres, PlatformDatastores.Redis]).ToList();
        Assert.Equal(5, resources.Count);
        Assert.All(resources, resource => Assert.Contains(all, p => p.Pid == platform.AppHost.ProcessId(resource)));
        Assert.Contains(all, p => p.CommandLine.Contains("dcp run-controllers", StringComparison.Ordinal));
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', all));
        return all;
    }
}
