using System.Collections.Concurrent;
using System.Threading.Channels;
using Marten;

namespace Platform.Auth.Verification;

/// <summary>When a key was last used; one document per key, outside the key's event stream (usage is not a change).</summary>
public sealed class KeyUsage
{
    public string Id { get; set; } = "";
    public DateTimeOffset LastUsedAt { get; set; }
}

/// <summary>
/// Records last-used times at most once a minute per key and never on the request's path: verification only drops a
/// note into a bounded channel, and a background writer stores it. Losing a note under overload costs an
/// approximate timestamp, never a request.
/// </summary>
public sealed partial class KeyUsageRecorder(IDocumentStore store, TimeProvider time, ILogger<KeyUsageRecorder> logger) : BackgroundService
{
    public static readonly TimeSpan Granularity = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastNoted = new(StringComparer.Ordinal);
    private readonly Channel<KeyUsage> _pending = Channel.CreateBounded<KeyUsage>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Used(string keyId)
    {
        var now = time.GetUtcNow();
        var last = _lastNoted.GetOrAdd(keyId, DateTimeOffset.MinValue);
        if (now - last >= Granularity && _lastNoted.TryUpdate(keyId, now, last))
        {
            _pending.Writer.TryWrite(new KeyUsage { Id = keyId, LastUsedAt = now });
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
            {
                var batch = new Dictionary<string, KeyUsage>(StringComparer.Ordinal);
                while (batch.Count < 500 && _pending.Reader.TryRead(out var usage))
                {
                    batch[usage.Id] = usage;
                }

                try
                {
                    await using var session = store.LightweightSession();
                    session.Store(batch.Values.ToArray());
                    await session.SaveChangesAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    LogWriteFailed(logger, batch.Count, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store last-used times of {Count} keys: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, int count, string reason);
}
