using Xunit;

namespace Platform.Testing;

/// <summary>
/// A database of its own for one test class, so classes run in parallel without sharing state:
/// <c>public sealed class KeyTests(PostgresDatabaseFixture db) : IClassFixture&lt;PostgresDatabaseFixture&gt;</c>.
/// Needs <see cref="PlatformInfrastructure"/> registered as an assembly fixture. Databases are dropped with the server.
/// </summary>
public sealed class PostgresDatabaseFixture(PlatformInfrastructure infrastructure) : IAsyncLifetime
{
    private string? _connectionString;

    public PlatformInfrastructure Infrastructure => infrastructure;

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("The database is created in InitializeAsync.");

    public async ValueTask InitializeAsync() =>
        _connectionString = await infrastructure.NewDatabaseAsync(TestContext.Current.TestClass?.TestClassSimpleName, TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
