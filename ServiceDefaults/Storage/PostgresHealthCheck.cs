using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Platform.ServiceDefaults.Storage;

internal sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("select 1");
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The exception message can carry the host name but never the password (Npgsql omits it).
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable", ex);
        }
    }
}
