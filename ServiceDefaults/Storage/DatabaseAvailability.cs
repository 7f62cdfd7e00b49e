using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.ServiceDefaults.Storage;

/// <summary>
/// Whether this process can reach PostgreSQL right now. It learns of an outage from real failures
/// (<see cref="ReportFailure"/>), so healthy operation costs nothing; while the database is down it probes it every
/// <see cref="ProbeInterval"/> and clears the state by itself when the database answers again. Request paths that
/// cannot answer without the database check <see cref="IsAvailable"/> first and refuse with a prompt 503 instead of
/// waiting out connection attempts (the PostgreSQL restart drill, docs/reliability.md).
/// </summary>
public sealed partial class DatabaseAvailability(NpgsqlDataSource dataSource, TimeProvider time, ILogger<DatabaseAvailability> logger)
    : BackgroundService
{
    /// <summary>What a refused request tells its client to wait; about one probe cycle and a reconnect.</summary>
    public const int RetryAfterSeconds = 2;

    /// <summary><see cref="RetryAfterSeconds"/> as the <c>Retry-After</c> header's value.</summary>
    public static readonly string RetryAfterHeaderValue = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _wentDown = new(0, 1);
    private volatile bool _down;
    private int _confirming;

    public bool IsAvailable => !_down;

    /// <summary>
    /// Npgsql marks connection failures, server shutdowns and the like as transient; Marten and Wolverine may wrap
    /// them. Anything else (a constraint violation, a bug) says nothing about the database being reachable.
    /// </summary>
    public static bool IsUnavailableError(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is NpgsqlException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Marks the database down when <paramref name="exception"/> says it is unreachable; returns whether it did.</summary>
    public bool ReportFailure(Exception exception)
    {
        if (!IsUnavailableError(exception))
        {
            return false;
        }

        if (!_down)
        {
            LogDown(logger, exception.GetType().Name);
            // Pooled connections did not survive the outage; without this each would fail one more request later.
            dataSource.Clear();
            MarkDown();
        }

        return true;
    }

    private void MarkDown()
    {
        _down = true;
        lock (_wentDown)
        {
            if (_wentDown.CurrentCount == 0)
            {
                _wentDown.Release();
            }
        }
    }

    /// <summary>
    /// A database write that has neither succeeded nor failed for <paramref name="waited"/>. That is an outage only if
    /// the database does not answer a probe either; a database that is merely busy (a loaded machine, a long lock)
    /// answers it, and then nothing else is refused.
    /// </summary>
    public void ReportUnresponsive(TimeSpan waited)
    {
        if (_down || Interlocked.Exchange(ref _confirming, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                if (!await AnswersAsync(CancellationToken.None))
                {
                    LogUnresponsive(logger, waited.TotalSeconds);
                    MarkDown();
                }
            }
            finally
            {
                Volatile.Write(ref _confirming, 0);
            }
        });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _wentDown.WaitAsync(stoppingToken);
                while (_down)
                {
                    await Task.Delay(ProbeInterval, time, stoppingToken);
                    if (await AnswersAsync(stoppingToken))
                    {
                        dataSource.Clear();
                        _down = false;
                        LogUp(logger);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host is stopping.
        }
    }

    private async Task<bool> AnswersAsync(CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return true;
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL is unreachable ({Error}); requests that need it are refused with 503 until it answers again.")]
    private static partial void LogDown(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A PostgreSQL write has not finished within {Seconds} s and a probe got no answer; requests that need the database are refused with 503 until it answers.")]
    private static partial void LogUnresponsive(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL answers again; requests that need it are served.")]
    private static partial void LogUp(ILogger logger);
}
