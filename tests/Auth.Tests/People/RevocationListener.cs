using System.Threading.Channels;
using Npgsql;
using Platform.Authentication;

namespace Platform.Auth.Tests.People;

/// <summary>LISTENs on the credential-change channel, as every ToolExecution replica does.</summary>
public sealed class RevocationListener : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly Channel<string> _payloads = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _waiting;

    private RevocationListener(NpgsqlConnection connection)
    {
        _connection = connection;
        _connection.Notification += (_, e) => _payloads.Writer.TryWrite(e.Payload);
        _waiting = Task.Run(async () =>
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    await _connection.WaitAsync(_stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public static async Task<RevocationListener> StartAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var listen = new NpgsqlCommand($"LISTEN {CredentialChanges.Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync();
        }

        return new RevocationListener(connection);
    }

    public async Task<string> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        return await _payloads.Reader.ReadAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _waiting;
        await _connection.DisposeAsync();
        _stop.Dispose();
    }
}
