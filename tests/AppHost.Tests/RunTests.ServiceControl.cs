using Platform.AppHost.Orchestration;
using Platform.Provisioning.Processes;

namespace Platform.AppHost.Tests;

/// <summary>What the failure drills (bench/drills.sh) need from the orchestration: crash one service, bring it back, add a replica.</summary>
public sealed partial class RunTests
{
    [Fact]
    public async Task Service_control_kills_restarts_and_adds_a_replica_while_the_others_run()
    {
        using var app = new FakeApplication();
        using var stopping = new CancellationTokenSource();
        var ready = new TaskCompletionSource<IReadOnlyList<RunningService>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var controlled = new TaskCompletionSource<ServiceControl>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = AppHostRunner.RunAsync(app.Options(ready: s => ready.SetResult(s), control: c => controlled.SetResult(c)), stopping.Token);
        await Task.WhenAny(controlled.Task, run).WaitAsync(StartupLimit, TestContext.Current.CancellationToken);
        Assert.True(controlled.Task.IsCompletedSuccessfully, app.Output.ToString());
        var services = await ready.Task;
        var control = await controlled.Task;
        var toolExecution = services.Single(s => s.Resource.Name == "tool-execution");
        var auth = services.Single(s => s.Resource.Name == "auth");

        await control.KillAsync(toolExecution.ProcessId);
        Assert.False(PosixProcess.IsAlive(toolExecution.ProcessId));
        Assert.False(await AcceptsConnectionsAsync(toolExecution.Url.Port));
        Assert.True(PosixProcess.IsAlive(auth.ProcessId));

        var restarted = await control.RestartAsync(toolExecution.ProcessId, TestContext.Current.CancellationToken);
        Assert.NotEqual(toolExecution.ProcessId, restarted.ProcessId);
        Assert.Equal(toolExecution.Url, restarted.Url);
        Assert.True(await AcceptsConnectionsAsync(restarted.Url.Port));

        var replica = await control.StartReplicaAsync("tool-execution", ct: TestContext.Current.CancellationToken);
        Assert.NotEqual(restarted.Url.Port, replica.Url.Port);
        Assert.True(await AcceptsConnectionsAsync(replica.Url.Port));
        // A deliberate kill is not reported as a crash.
        Assert.DoesNotContain("exited with code", app.Output.ToString(), StringComparison.Ordinal);

        await stopping.CancelAsync();
        Assert.Equal(0, await run);
        Assert.False(PosixProcess.IsAlive(restarted.ProcessId));
        Assert.False(PosixProcess.IsAlive(replica.ProcessId));
    }
}
