using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.Authentication;

/// <summary>
/// LISTENs for <see cref="CredentialChanges.Channel"/> and evicts cached verifications. While the connection is down
/// notifications can be missed, so every (re)connect starts by dropping the whole cache.
/// </summary>
internal sealed partial class CredentialChangeListener(
    NpgsqlDataSource dataSource,
    CachingHttpCredentialVerifier cache,
    RevokedSubjects revokedSubjects,
    TimeProvider time,
    ILogger<CredentialChangeListener> logger) : BackgroundService
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => CredentialChanges.Apply(cache, revokedSubjects, e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {CredentialChanges.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                cache.EvictAll();
                revokedSubjects.Listening();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogConnectionLost(logger, ex.Message);
                cache.EvictAll();
                await Task.Delay(ReconnectDelay, time, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Credential change listener lost its connection ({Reason}); cache dropped, reconnecting")]
    private static partial void LogConnectionLost(ILogger logger, string reason);
}
