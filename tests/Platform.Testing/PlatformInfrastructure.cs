using System.Security.Cryptography;
using System.Text;
using Platform.Provisioning;
using Xunit;

namespace Platform.Testing;

/// <summary>
/// One PostgreSQL and one Redis for the whole test assembly, provided by <see cref="Infrastructure"/>
/// (<c>ConnectionStrings__postgres</c> / <c>ConnectionStrings__redis</c> when set, else a container, else local binaries
/// in a temp directory that is deleted at the end).
/// Register it once per test project with <c>[assembly: AssemblyFixture(typeof(PlatformInfrastructure))]</c>;
/// xunit.v3 then injects it into any test class constructor, and into <see cref="PostgresDatabaseFixture"/>.
/// </summary>
public sealed class PlatformInfrastructure : IAsyncLifetime
{
    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("platform-tests-");
    private PostgresResource? _postgres;
    private RedisResource? _redis;

    public PostgresResource Postgres => _postgres ?? throw NotInitialized();

    public RedisResource Redis => _redis ?? throw NotInitialized();

    /// <summary>The server's <c>platform</c> database; prefer <see cref="NewDatabaseAsync"/> so tests do not share state.</summary>
    public string PostgresConnectionString => Postgres.ConnectionString;

    public string RedisConnectionString => Redis.ConnectionString;

    public async ValueTask InitializeAsync()
    {
        var options = new ProvisioningOptions
        {
            DataDirectory = _dataDirectory.FullName,
            PostgresConnectionString = Environment.GetEnvironmentVariable("ConnectionStrings__postgres"),
            RedisConnectionString = Environment.GetEnvironmentVariable("ConnectionStrings__redis"),
        };
        var postgres = Infrastructure.ProvisionPostgresAsync(options);
        var redis = Infrastructure.ProvisionRedisAsync(options);
        try
        {
            await Task.WhenAll(postgres, redis);
        }
        catch
        {
            // Whichever one did start must not outlive the failed run.
            await DisposeIfStartedAsync(postgres);
            await DisposeIfStartedAsync(redis);
            DeleteDataDirectory();
            throw;
        }

        _postgres = postgres.Result;
        _redis = redis.Result;
    }

    /// <summary>A new, empty database with a unique name that starts with <paramref name="hint"/>; returns its connection string.</summary>
    public Task<string> NewDatabaseAsync(string? hint = null, CancellationToken ct = default) =>
        Postgres.CreateDatabaseAsync(UniqueDatabaseName(hint), ct);

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        DeleteDataDirectory();
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

    private static async Task DisposeIfStartedAsync<T>(Task<T> provisioning)
        where T : ProvisionedResource
    {
        if (provisioning.IsCompletedSuccessfully)
        {
            await provisioning.Result.DisposeAsync();
        }
    }

    private void DeleteDataDirectory()
    {
        try
        {
            _dataDirectory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static InvalidOperationException NotInitialized() =>
        new("PlatformInfrastructure is not initialized: register it with [assembly: AssemblyFixture(typeof(PlatformInfrastructure))].");
}
