using System.Net.Sockets;
using Npgsql;

namespace Platform.Testing.Tests;

public sealed class FirstClassDatabaseTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Each_test_class_gets_a_database_named_after_it()
    {
        var name = await DatabaseNameAsync(database.ConnectionString);

        Assert.StartsWith("firstclassdatabasetests_", name, StringComparison.Ordinal);
    }

    internal static async Task<string> DatabaseNameAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}

public sealed class SecondClassDatabaseTests(PostgresDatabaseFixture database, PlatformInfrastructure infrastructure) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Databases_of_different_classes_and_calls_are_distinct()
    {
        var mine = await FirstClassDatabaseTests.DatabaseNameAsync(database.ConnectionString);
        var another = await FirstClassDatabaseTests.DatabaseNameAsync(await infrastructure.NewDatabaseAsync("Second Class!", TestContext.Current.CancellationToken));

        Assert.StartsWith("secondclassdatabasetests_", mine, StringComparison.Ordinal);
        Assert.StartsWith("second_class__", another, StringComparison.Ordinal);
        Assert.NotEqual(mine, another);
    }

    [Fact]
    public async Task Redis_accepts_connections_on_the_provided_address()
    {
        var parts = infrastructure.RedisConnectionString.Split(':');
        using var client = new TcpClient();

        await client.ConnectAsync(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), TestContext.Current.CancellationToken);

        Assert.True(client.Connected);
    }
}
