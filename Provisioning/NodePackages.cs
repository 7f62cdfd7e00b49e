using Platform.Provisioning.Processes;

namespace Platform.Provisioning;

/// <summary>
/// Installs a folder's npm packages on first use, so <c>dotnet test</c> and the bench need nothing prepared by hand.
/// Uses <c>npm ci</c> where a lock file is committed, <c>npm install</c> otherwise.
/// </summary>
public static class NodePackages
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task EnsureInstalledAsync(string folder, string probePath, CancellationToken ct = default)
    {
        await Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (File.Exists(probePath) || Directory.Exists(probePath))
            {
                return;
            }

            string[] arguments = File.Exists(Path.Combine(folder, "package-lock.json"))
                ? ["ci", "--no-audit", "--no-fund", "--loglevel=error"]
                : ["install", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error"];
            var (exit, output) = await RunAsync("npm", arguments, folder, new Dictionary<string, string>(), ct).ConfigureAwait(false);
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
        var info = ProcessRunner.StartInfo(file, arguments);
        info.WorkingDirectory = workingDirectory;
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var result = await ProcessRunner.RunAsync(info, TimeSpan.FromMinutes(3), ct).ConfigureAwait(false);
        return (result.ExitCode, result.Output);
    }
}
