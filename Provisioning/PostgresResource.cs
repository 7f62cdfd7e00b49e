using Npgsql;

namespace Platform.Provisioning;

public sealed class PostgresResource : ProvisionedResource
{
    // Concurrent CREATE DATABASE calls can collide on template1 ("being accessed by other users").
    private readonly SemaphoreSlim _createLock = new(1, 1);

    private readonly IServerControl? _control;

    internal PostgresResource(string connectionString, string source, Func<ValueTask> release, IServerControl? control = null)
        : base(connectionString, source, release)
    {
        _control = control;
    }

    /// <summary>Stops the server as an operator would (<c>pg_ctl -m fast</c>), for failure drills; the port stays the same for <see cref="StartAsync"/>.</summary>
    public Task StopAsync() => Control.StopAsync();

    /// <summary>Starts the stopped server again on the same port and waits until it accepts connections.</summary>
    public Task StartAsync() => Control.StartAsync();

    private IServerControl Control => _control
        ?? throw new NotSupportedException("Only a local PostgreSQL server that we started can be stopped and started again.");

    /// <summary>Creates the database unless it exists and returns a connection string to it.</summary>
    /// <param name="name">Lower-case letters, digits and underscores, at most 63 characters.</param>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken ct = default)
    {
        if (!IsValidDatabaseName(name))
        {
            throw new ArgumentException("Use 1-63 lower-case letters, digits or underscores, starting with a letter.", nameof(name));
        }

        await _createLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false };
            await using var connection = new NpgsqlConnection(admin.ConnectionString);
            await connection.OpenAsync(ct).ConfigureAwait(false);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await CreateIfMissingAsync(connection, name, ct).ConfigureAwait(false);
                    break;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 10)
                {
                    await Task.Delay(200, ct).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _createLock.Release();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    internal static async Task CreateIfMissingAsync(NpgsqlConnection connection, string name, CancellationToken ct)
    {
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.AddWithValue(name);
        if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null)
        {
            return;
        }

        try
        {
            // Identifiers cannot be parameters; the name was validated above.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another process created it between the check and the CREATE.
        }
    }

    internal static bool IsValidDatabaseName(string name) =>
        name.Length is > 0 and <= 63
        && char.IsAsciiLetterLower(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
}
