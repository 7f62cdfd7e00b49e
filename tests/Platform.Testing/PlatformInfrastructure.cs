using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Platform.Provisioning;
using Xunit;

namespace Platform.Testing;

/// <summary>
/// One PostgreSQL and one Redis for the whole test assembly, from the AppHost's own datastore resources
/// (<c>ConnectionStrings__postgres</c> / <c>ConnectionStrings__redis</c> when set, else a container where Docker answers,
/// else the machine's binaries in a temporary folder that is deleted at the end).
/// Register it once per test project with <c>[assembly: AssemblyFixture(typeof(PlatformInfrastructure))]</c>;
/// xunit.v3 then injects it into any test class constructor, and into <see cref="PostgresDatabaseFixture"/>.
/// </summary>
public sealed class PlatformInfrastructure : IAsyncLifetime
{
    // Concurrent CREATE DATABASE calls can collide on template1 ("being accessed by other users").
    private readonly SemaphoreSlim _createLock = new(1, 1);
    private AppHostRun? _datastores;
    private string? _postgres;
    private string? _redis;

    /// <summary>The server's <c>platform</c> database; prefer <see cref="NewDatabaseAsync"/> so tests do not share state.</summary>
    public string PostgresConnectionString => _postgres ?? throw NotInitialized();

    public string RedisConnectionString => _redis ?? throw NotInitialized();

    public async ValueTask InitializeAsync()
    {
        _datastores = await AppHostRun.StartAsync(keep: new HashSet<string> { PlatformDatastores.Postgres, PlatformDatastores.PostgresServer, PlatformDatastores.Redis });
        _postgres = await _datastores.ConnectionStringAsync(PlatformDatastores.Postgres);
        _redis = await _datastores.ConnectionStringAsync(PlatformDatastores.Redis);
    }

    /// <summary>A new, empty database with a unique name that starts with <paramref name="hint"/>; returns its connection string.</summary>
    public async Task<string> NewDatabaseAsync(string? hint = null, CancellationToken ct = default)
    {
        var name = UniqueDatabaseName(hint);
        await _createLock.WaitAsync(ct);
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresConnectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync(ct);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    // Identifiers cannot be parameters; the name is made of [a-z0-9_] below.
                    await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
                    await create.ExecuteNonQueryAsync(ct);
                    break;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 10)
                {
                    await Task.Delay(200, ct);
                }
            }
        }
        finally
        {
            _createLock.Release();
        }

        return new NpgsqlConnectionStringBuilder(PostgresConnectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_datastores is not null)
        {
            await _datastores.DisposeAsync();
        }

        _createLock.Dispose();
    }

    internal static string UniqueDatabaseName(string? hint)
    {
        var name = new StringBuilder();
        foreach (var c in (hint ?? "test").ToLowerInvariant())
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        if (name.Length == 0 || !char.IsAsciiLetterLower(name[0]))
        {
            name.Insert(0, "t_");
        }

        var suffix = "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        return name.ToString()[..Math.Min(name.Length, 63 - suffix.Length)] + suffix;
    }

    private static InvalidOperationException NotInitialized() =>
        new("PlatformInfrastructure is not initialized: register it with [assembly: AssemblyFixture(typeof(PlatformInfrastructure))].");
}
