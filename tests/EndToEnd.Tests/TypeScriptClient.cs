using System.Diagnostics;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Runs <c>clients/ts-client.mjs</c> (the official MCP TypeScript SDK) with node. Installs the SDK on first use, so
/// <c>dotnet test</c> needs nothing prepared by hand.
/// </summary>
internal static class TypeScriptClient
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    public static string Directory => Path.Combine(Platform.AppHost.Orchestration.RepositoryRoot.Find(), "tests", "EndToEnd.Tests", "clients");

    public static async Task<string> RunAsync(IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        await EnsureInstalledAsync(ct);
        var (exit, output) = await RunProcessAsync("node", ["ts-client.mjs"], environment, ct);
        return exit == 0 ? output.Trim().Split('\n')[^1] : throw new InvalidOperationException($"ts-client.mjs exited {exit}:\n{output}");
    }

    private static async Task EnsureInstalledAsync(CancellationToken ct)
    {
        await InstallGate.WaitAsync(ct);
        try
        {
            if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@modelcontextprotocol", "sdk")))
            {
                var (exit, output) = await RunProcessAsync("npm", ["install", "--no-package-lock", "--no-audit", "--no-fund"], new Dictionary<string, string>(), ct);
                if (exit != 0)
                {
                    throw new InvalidOperationException($"npm install failed:\n{output}");
                }
            }
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task<(int Exit, string Output)> RunProcessAsync(string file, string[] arguments, IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
