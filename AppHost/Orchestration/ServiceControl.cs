namespace Platform.AppHost.Orchestration;

/// <summary>
/// Failure drills need to crash one service while the others run, bring it back as it was, and run a second
/// replica. Processes are named by PID because replicas share a service name.
/// </summary>
public sealed class ServiceControl
{
    private readonly AppHostSession _session;

    internal ServiceControl(AppHostSession session) => _session = session;

    /// <summary>SIGKILL and wait until the process is gone.</summary>
    public Task KillAsync(int processId) => _session.KillAsync(processId);

    /// <summary>Starts a killed process again, same port and environment, and waits for <c>/health/ready</c>.</summary>
    public Task<RunningService> RestartAsync(int processId, CancellationToken ct = default) => _session.RestartAsync(processId, ct);

    /// <summary>Another process of the service on a free port; <paramref name="overrides"/> change its environment only.</summary>
    public Task<RunningService> StartReplicaAsync(string name, IReadOnlyDictionary<string, string>? overrides = null, CancellationToken ct = default) =>
        _session.StartReplicaAsync(name, overrides ?? new Dictionary<string, string>(), ct);
}
