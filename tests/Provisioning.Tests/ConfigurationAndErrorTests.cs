using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Platform.Provisioning.Local;
using Platform.Testing;

namespace Platform.Provisioning.Tests;

/// <summary>Settings, where binaries are found, and the one clear message when something is missing.</summary>
public sealed class ConfigurationAndErrorTests
{
    [Fact]
    public void Options_default_to_a_durable_cluster_in_the_default_folder_and_the_redis_server_found_first()
    {
        var options = DatastoreOptions.From(Configuration(), "/srv/platform/../platform/.apphost");

        Assert.Equal(new DatastoreOptions("/srv/platform/.apphost", Durable: true, RedisServer: null), options);
    }

    [Fact]
    public void Options_take_the_data_folder_durability_and_redis_server_from_configuration()
    {
        var options = DatastoreOptions.From(
            Configuration(("AppHost:DataDirectory", "/var/lib/platform"), ("AppHost:Durable", "false"), ("AppHost:Redis", "garnet")), "/ignored");

        Assert.Equal(new DatastoreOptions("/var/lib/platform", Durable: false, RedisServer: DatastoreOptions.Garnet), options);
    }

    [Fact]
    public void An_unknown_redis_server_is_refused_with_the_values_that_are_allowed()
    {
        var error = Assert.Throws<InfrastructureUnavailableException>(() => DatastoreOptions.From(Configuration(("AppHost:Redis", "valkey")), "/data"));

        Assert.Equal("AppHost:Redis is 'valkey'; use 'redis-server' or 'garnet', or leave it unset.", error.Message);
    }

    [Fact]
    public async Task The_AppHost_refuses_an_unknown_redis_server_in_one_line_and_exits_1()
    {
        var ct = TestContext.Current.CancellationToken;
        var info = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Platform.AppHost.dll"));
        info.ArgumentList.Add("--AppHost:Redis=valkey");

        using var apphost = System.Diagnostics.Process.Start(info)!;
        var output = apphost.StandardOutput.ReadToEndAsync(ct);
        var error = await apphost.StandardError.ReadToEndAsync(ct);
        await apphost.WaitForExitAsync(ct);

        Assert.Equal(1, apphost.ExitCode);
        Assert.Equal(["AppHost:Redis is 'valkey'; use 'redis-server' or 'garnet', or leave it unset."], error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.DoesNotContain("   at ", await output + error, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_binaries_are_found_through_a_symlink_farm_and_only_as_a_complete_set()
    {
        using var farm = new TempDirectory();
        using var partial = new TempDirectory();
        var bin = BinaryLocator.FindPostgresBin(BinaryLocator.SearchPaths());
        Assert.NotNull(bin);
        File.CreateSymbolicLink(Path.Combine(farm.Path, "initdb"), Path.Combine(bin, "initdb"));
        File.Copy(Path.Combine(bin, "initdb"), Path.Combine(partial.Path, "initdb"));

        Assert.Equal(bin, BinaryLocator.FindPostgresBin([farm.Path]));
        Assert.Null(BinaryLocator.FindPostgresBin([partial.Path]));
        Assert.Equal(bin, BinaryLocator.FindPostgresBin([partial.Path, farm.Path]));
    }

    [Fact]
    public void Missing_postgres_binaries_fail_at_once_and_say_how_to_provide_postgres()
    {
        using var empty = new TempDirectory();
        var clock = Stopwatch.StartNew();

        var error = Assert.Throws<InfrastructureUnavailableException>(() => PlatformDatastores.FindPostgresBin([empty.Path]));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.StartsWith("No PostgreSQL:", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install postgresql", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__postgres", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DatastoreOptions.RedisServerBinary, "AppHost:Redis asks for redis-server, which is not in PATH. Install it (apt-get install redis-server).")]
    [InlineData(DatastoreOptions.Garnet, "AppHost:Redis asks for garnet, and the garnet-server tool (.config/dotnet-tools.json) could not be restored.")]
    [InlineData(null, "Install redis-server (apt-get install redis-server), start Docker, or set ConnectionStrings__redis.")]
    public void A_missing_redis_server_fails_at_once_and_says_how_to_provide_one(string? server, string advice)
    {
        using var empty = new TempDirectory();

        // An empty folder as the repository: no tool manifest, so no garnet either.
        var error = Assert.Throws<InfrastructureUnavailableException>(
            () => PlatformDatastores.RedisCommand(new DatastoreOptions(empty.Path, Durable: false, RedisServer: server), 6379, empty.Path, [empty.Path]));

        Assert.StartsWith("No Redis:", error.Message, StringComparison.Ordinal);
        Assert.Contains(advice, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redis_server_runs_on_loopback_without_persistence_and_garnet_stands_in_where_it_is_missing()
    {
        using var empty = new TempDirectory();
        var redisServer = BinaryLocator.Find("redis-server", BinaryLocator.SearchPaths());
        Assert.NotNull(redisServer);
        var unset = new DatastoreOptions(empty.Path, Durable: false, RedisServer: null);

        var found = PlatformDatastores.RedisCommand(unset, 6390, RepositoryRoot(), [Path.GetDirectoryName(redisServer)!]);
        var fallback = PlatformDatastores.RedisCommand(unset, 6391, RepositoryRoot(), [empty.Path]);

        Assert.Equal([redisServer, "--port", "6390", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"], found);
        Assert.EndsWith("/GarnetServer.dll", fallback[1], StringComparison.Ordinal);
        Assert.Equal(["--lua", "--port", "6391", "--bind", "127.0.0.1"], fallback[2..]);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, ".config", "dotnet-tools.json")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No repository with a tool manifest above {AppContext.BaseDirectory}.");
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    private static Exception? Innermost(Exception? error)
    {
        while (error is { InnerException: { } inner })
        {
            error = inner;
        }

        return error;
    }
}
