using System.Diagnostics;

namespace Platform.Testing;

/// <summary>
/// Installs a test folder's npm packages on first use, so <c>dotnet test</c> needs nothing prepared by hand.
/// Uses <c>npm ci</c> where a lock file is committed, <c>npm install</c> otherwise.
/// </summary>
public static class NodePackages
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task EnsureInstalledAsync(string folder, string probePath, CancellationToken ct = default)
    {
        await Gate.WaitAsync(ct);
        try
        {
            if (File.Exists(probePath) || Directory.Exists(probePath))
            {
                return;
            }

            string[] arguments = File.Exists(Path.Combine(folder, "package-lock.json"))
                ? ["ci", "--no-audit", "--no-fund", "--loglevel=error"]
                : ["install", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error"];
            var (exit, output) = await RunAsync("npm", arguments, folder, new Dictionary<string, string>(), ct);
            if (exit != 0)
            {
                throw new InvalidOperationException($"npm {arguments[0]} in {folder} failed:\n{output}");
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Runs a program to completion (3 minutes at most) and returns its exit code and combined output.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string file, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
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
