using System.Collections.Concurrent;
using System.Diagnostics;

namespace Platform.Bench.Drills;

/// <summary>
/// Closed-loop callers that keep calling until stopped. After a failed call a caller waits a little, so an outage
/// does not turn the generator into a busy loop that starves the services of the 2 shared cores.
/// </summary>
public sealed class SteadyLoad : IAsyncDisposable
{
    private static readonly TimeSpan PauseAfterFailure = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentQueue<CallOutcome> _outcomes = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _callers;

    private SteadyLoad(int callers, Func<int, DrillClient> clientOf)
    {
        _callers = Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var client = clientOf(caller);
            while (!_stop.IsCancellationRequested)
            {
                var outcome = await client.CallAsync(caller).ConfigureAwait(false);
                _outcomes.Enqueue(outcome);
                if (outcome.Kind != CallKind.Success)
                {
                    try
                    {
                        await Task.Delay(PauseAfterFailure, _stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        })).ToArray();
    }

    public int Callers => _callers.Length;

    public static SteadyLoad Start(int callers, Func<int, DrillClient> clientOf) => new(callers, clientOf);

    /// <summary>Outcomes so far; callers keep adding while the load runs.</summary>
    public IReadOnlyList<CallOutcome> Snapshot() => [.. _outcomes];

    /// <summary>Waits until <paramref name="condition"/> holds for the outcomes so far, or the time is up.</summary>
    public async Task<bool> WaitForAsync(Func<IReadOnlyList<CallOutcome>, bool> condition, TimeSpan within)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < within)
        {
            if (condition(Snapshot()))
            {
                return true;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        return condition(Snapshot());
    }

    /// <summary>Lets every in-flight call finish and returns all outcomes.</summary>
    public async Task<IReadOnlyList<CallOutcome>> StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_callers).ConfigureAwait(false);
        return Snapshot();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
