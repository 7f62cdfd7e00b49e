using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Platform.Sandbox.Files;
using Platform.Authentication;

namespace Platform.ToolExecution.Tools.BuiltIn;

/// <summary>Finds the caller's workspace and serialises its writes, because the quota check and the write are separate steps.</summary>
public sealed class TenantWorkspaces(IOptions<WorkspaceOptions> options) : IDisposable
{
    // Striped rather than one lock per tenant, so the number of semaphores stays bounded whatever the tenant count.
    private readonly SemaphoreSlim[] _writeLocks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public WorkspaceOptions Options => options.Value;

    public bool TryOpen(ClaimsPrincipal? user, [NotNullWhen(true)] out WorkspaceJail? jail, out string reason)
    {
        jail = null;
        if (user?.TenantOf() is not { } tenant)
        {
            reason = "this credential has no tenant, so it has no workspace";
            return false;
        }

        return WorkspaceJail.TryOpenForTenant(Options.ResolvedRoot, tenant, Options.Limits, out jail, out reason);
    }

    public async Task<IDisposable> LockForWriteAsync(WorkspaceJail jail, CancellationToken cancellationToken)
    {
        var gate = _writeLocks[(StringComparer.Ordinal.GetHashCode(jail.Root) & int.MaxValue) % _writeLocks.Length];
        await gate.WaitAsync(cancellationToken);
        return new Release(gate);
    }

    public void Dispose()
    {
        foreach (var gate in _writeLocks)
        {
            gate.Dispose();
        }
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
