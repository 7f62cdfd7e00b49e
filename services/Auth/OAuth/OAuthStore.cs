using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;
using OpenIddict.Abstractions;

namespace Platform.Auth.OAuth;

/// <summary>
/// OpenIddict's applications, authorizations, scopes and tokens, on the platform's PostgreSQL in Auth's second schema
/// (docs/decisions/0008-openiddict-stores.md). Only OpenIddict's maintained EF Core stores use it.
/// </summary>
public sealed class OAuthDbContext(DbContextOptions<OAuthDbContext> options) : DbContext(options)
{
    public const string Schema = "auth_oauth";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.UseOpenIddict();
    }
}

/// <summary>
/// Creates the OpenIddict tables once. <c>EnsureCreated</c> would do nothing in a database that already holds Marten's
/// tables, so the script is applied when the schema's first table is missing, under an advisory lock so replicas that
/// start together do not race.
/// </summary>
internal sealed class OAuthSchema(IServiceScopeFactory scopes, NpgsqlDataSource dataSource, ILogger<OAuthSchema> logger) : IHostedService
{
    private const long LockKey = 0x6f61757468_5f7363; // "oauth_sc"

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<OAuthDbContext>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("select pg_advisory_lock($1)", connection))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = LockKey });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await using var exists = new NpgsqlCommand($"select to_regclass('{OAuthDbContext.Schema}.\"OpenIddictApplications\"') is not null", connection);
            if (await exists.ExecuteScalarAsync(cancellationToken) is true)
            {
                return;
            }

            var script = context.Database.GenerateCreateScript();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var create = new NpgsqlCommand(script, connection, transaction))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Created the OAuth store in its schema");
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("select pg_advisory_unlock($1)", connection);
            unlock.Parameters.Add(new NpgsqlParameter { Value = LockKey });
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Removes what OpenIddict no longer needs: tokens and authorizations that expired, were redeemed or revoked more than
/// <see cref="Retention"/> ago, and dynamically registered clients unused for <see cref="ClientRegistrationOptions.UnusedLifetime"/>.
/// OpenIddict's Quartz integration does the same job; a timer is enough here.
/// </summary>
internal sealed class OAuthPruning(IServiceScopeFactory scopes, TimeProvider time, ILogger<OAuthPruning> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    public static readonly TimeSpan Retention = TimeSpan.FromDays(14);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PruneAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or DbUpdateException)
            {
                logger.LogWarning(ex, "Pruning the OAuth store failed; it is retried in {Interval}", Interval);
            }
        }
    }

    public async Task PruneAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var threshold = time.GetUtcNow() - Retention;
        var tokens = await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, ct);
        var authorizations = await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, ct);
        var clients = await scope.ServiceProvider.GetRequiredService<ClientRegistrations>().PruneUnusedAsync(ct);
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Pruned {Tokens} tokens, {Authorizations} authorizations and {Clients} unused registered clients", tokens, authorizations, clients);
        }
    }
}
