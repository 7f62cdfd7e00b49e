using System.Globalization;
using Platform.Provisioning.Local;
using Platform.Testing;

namespace Platform.Provisioning.Tests;

/// <summary>The AppHost's <c>postgres</c> resource from the machine's binaries, in a data folder the test keeps between runs.</summary>
public sealed class LocalPostgresTests
{
    private static readonly HashSet<string> PostgresOnly = [PlatformDatastores.Postgres];

    [Fact]
    public async Task A_cluster_is_made_once_and_the_next_run_on_the_same_folder_reuses_it_with_its_data_and_its_own_durability()
    {
        using var data = new TempDirectory();
        var ct = TestContext.Current.CancellationToken;
        string first;
        await using (var run = await StartAsync(data, durable: false, ct))
        {
            first = await run.ConnectionStringAsync(PlatformDatastores.Postgres, ct);
            Assert.Equal("off", await Probes.ScalarAsync(first, "SHOW fsync", ct));
            Assert.Equal("off", await Probes.ScalarAsync(first, "SHOW synchronous_commit", ct));
            Assert.Equal("platform", await Probes.ScalarAsync(first, "SELECT current_database()", ct));
            await Probes.ScalarAsync(first, "CREATE TABLE survivor (note text); INSERT INTO survivor VALUES ('run 1'); SELECT 1", ct);
        }

        Assert.False(await Probes.PostgresAnswersAsync(first, ct), "the first run's server outlived its AppHost");
        Assert.True(File.Exists(Path.Combine(data.Path, "postgres", "PG_VERSION")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data.Path, "postgres.password")));

        await using (var run = await StartAsync(data, durable: true, ct))
        {
            var second = await run.ConnectionStringAsync(PlatformDatastores.Postgres, ct);
            Assert.Equal("run 1", await Probes.ScalarAsync(second, "SELECT note FROM survivor", ct));
            Assert.Equal("on", await Probes.ScalarAsync(second, "SHOW fsync", ct));
            Assert.Equal("on", await Probes.ScalarAsync(second, "SHOW synchronous_commit", ct));
        }
    }

    [Fact]
    public async Task PostgreSQL_stops_and_starts_again_on_the_same_port_and_accepts_connections()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var run = await AppHostRun.StartAsync(keep: PostgresOnly, ct: ct);
        var connectionString = await run.ConnectionStringAsync(PlatformDatastores.Postgres, ct);
        await Probes.ScalarAsync(connectionString, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (7); SELECT 1", ct);

        await run.StopAsync(PlatformDatastores.Postgres, ct);
        Assert.False(await Probes.PostgresAnswersAsync(connectionString, ct), "PostgreSQL still answers after stop");

        await run.StartAsync(PlatformDatastores.Postgres, ct);
        Assert.Equal(connectionString, await run.ConnectionStringAsync(PlatformDatastores.Postgres, ct));
        Assert.Equal(7L, await Probes.ScalarAsync(connectionString, "SELECT id FROM kept", ct));
    }

    [Fact]
    public async Task A_cluster_that_a_running_server_still_serves_is_refused_with_a_clear_message_and_the_server_is_left_alone()
    {
        using var data = new TempDirectory();
        var ct = TestContext.Current.CancellationToken;
        var bin = BinaryLocator.FindPostgresBin(BinaryLocator.SearchPaths());
        Assert.NotNull(bin);
        var steps = new List<string>();
        var cluster = new PostgresCluster(bin, data.Path);
        var pidFile = Path.Combine(cluster.Directory, "postmaster.pid");
        int postmaster;
        await using (var run = await StartAsync(data, durable: false, ct))
        {
            var connectionString = await run.ConnectionStringAsync(PlatformDatastores.Postgres, ct);
            postmaster = int.Parse(File.ReadLines(pidFile).First(), CultureInfo.InvariantCulture);

            // What a second AppHost on this folder does before it starts its server.
            var error = await Assert.ThrowsAsync<InfrastructureUnavailableException>(() => cluster.EnsureAsync(steps.Add, ct));

            Assert.Contains($"PostgreSQL (pid {postmaster}) already serves {cluster.Directory}", error.Message, StringComparison.Ordinal);
            Assert.Contains("--AppHost:DataDirectory", error.Message, StringComparison.Ordinal);
            Assert.True(await Probes.PostgresAnswersAsync(connectionString, ct), "the first run's server was disturbed");
        }

        Assert.False(Probes.IsAlive(postmaster));

        // A killed run leaves its pid file behind; a pid that cannot be running (pid_max is at most 2^22) is no owner.
        await File.WriteAllTextAsync(pidFile, "9999999\n", ct);
        await cluster.EnsureAsync(steps.Add, ct);
        Assert.Equal([$"reusing the cluster in {cluster.Directory}"], steps);
    }

    private static Task<AppHostRun> StartAsync(TempDirectory data, bool durable, CancellationToken ct) =>
        AppHostRun.StartAsync(
            settings: new Dictionary<string, string?>
            {
                ["AppHost:DataDirectory"] = data.Path,
                ["AppHost:Durable"] = durable ? "true" : "false",
            },
            keep: PostgresOnly,
            ct: ct);
}
