using Platform.Provisioning;
using Platform.AppHost.Terminal;

namespace Platform.AppHost.Orchestration;

/// <summary>
/// Runs the application until <c>stopping</c> is cancelled (Ctrl+C / SIGTERM in Program.cs, a token in tests).
/// Returns 0 after a requested stop and 1 when startup failed; in every case all children and local servers are stopped first.
/// </summary>
public static class AppHostRunner
{
    public static async Task<int> RunAsync(AppHostOptions options, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(options);
        var view = new ConsoleView(options.Output, options.Interactive);
        var session = new AppHostSession(options, view);
        try
        {
            await session.StartAsync(stopping);
            await Task.Delay(Timeout.Infinite, stopping);
            return 0;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e) when (e is AppHostException or InfrastructureUnavailableException)
        {
            view.ClearStatus();
            view.Error(e.Message);
            return 1;
        }
        finally
        {
            view.ClearStatus();
            view.Info("stopping");
            await session.DisposeAsync();
            view.Info("stopped");
        }
    }
}
