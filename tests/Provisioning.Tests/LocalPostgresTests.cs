using System.Globalization;
using Npgsql;

namespace Platform.Provisioning.Tests;

public sealed class LocalPostgresTests
{
    [Fact]
    public async Task Local_server_creates_databases_idempotently_and_is_gone_after_dispose()
    {
        using var temp = new TempDirectory();
        var ct = TestContext.Current.CancellationToken;
        var postgres = await Infrastructure.ProvisionPostgresAsync(new() { DataDirectory = temp.Path, UseContainers = false }, ct);
        string connectionString;
        await using (postgres)
        {
            Assert.StartsWith("local:", postgres.Source, StringComparison.Ordinal);
            var builder = new NpgsqlConnectionStringBuilder(postgres.ConnectionString);
            Assert.Equal("127.0.0.1", builder.Host);
            Assert.Equal("platform", builder.Database);

            connectionString = await postgres.CreateDatabaseAsync("orders_tests", ct);
            Assert.Equal(connectionString, await postgres.CreateDatabaseAsync("orders_tests", ct));
            Assert.Equal("orders_tests", await ScalarAsync(connectionString, "SELECT current_database()", ct));
        }

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(connectionString, "SELECT 1", ct));
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "postgres")));
    }

    [Fact]
    public async Task Kept_cluster_is_reused_after_a_killed_run_left_a_stale_pid_file()
    {
        using var temp = new TempDirectory();
        var ct = TestContext.Current.CancellationToken;
        var options = new ProvisioningOptions { DataDirectory = temp.Path, KeepData = true, UseContainers = false };
        await using (var first = await Infrastructure.ProvisionPostgresAsync(options, ct))
        {
            await ScalarAsync(first.ConnectionString, "CREATE TABLE survivor (id int); SELECT 1", ct);
        }

        // A pid that cannot be running: pid_max on Linux is at most 2^22.
        var pidFile = Path.Combine(temp.Path, "postgres", "postmaster.pid");
        await File.WriteAllTextAsync(pidFile, "9999999\n", ct);

        await using var second = await Infrastructure.ProvisionPostgresAsync(options, ct);
        Assert.Equal(0L, await ScalarAsync(second.ConnectionString, "SELECT count(*) FROM survivor", ct));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(temp.Path, "postgres.password")));
    }

    [Theory]
    [InlineData(false, "off")]
    [InlineData(true, "on")]
    public async Task Throwaway_cluster_keeps_crash_safety_only_when_asked(bool durable, string expected)
    {
        using var temp = new TempDirectory();
        var ct = TestContext.Current.CancellationToken;
        await using (var postgres = await Infrastructure.ProvisionPostgresAsync(new() { DataDirectory = temp.Path, UseContainers = false, Durable = durable }, ct))
        {
            Assert.Equal(expected, await ScalarAsync(postgres.ConnectionString, "SHOW fsync", ct));
            Assert.Equal(expected, await ScalarAsync(postgres.ConnectionString, "SHOW synchronous_commit", ct));
        }

        Assert.False(Directory.Exists(Path.Combine(temp.Path, "postgres")));
    }

    [Fact]
    public async Task Database_names_that_would_need_quoting_are_rejected()
    {
        var postgres = await Infrastructure.ProvisionPostgresAsync(
            new() { DataDirectory = "/nonexistent", PostgresConnectionString = "Host=127.0.0.1;Port=1" }, TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<ArgumentException>(() => postgres.CreateDatabaseAsync("Robert\"; DROP", TestContext.Current.CancellationToken));
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync(ct);
        return value is int i ? Convert.ToInt64(i, CultureInfo.InvariantCulture) : value;
    }
}
