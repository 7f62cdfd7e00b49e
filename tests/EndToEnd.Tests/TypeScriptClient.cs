using Platform.Provisioning;

namespace Platform.EndToEnd.Tests;

/// <summary>Runs <c>clients/ts-client.mjs</c> (the official MCP TypeScript SDK) with node, installing the SDK on first use.</summary>
internal static class TypeScriptClient
{
    public static string Directory => Path.Combine(Repository.Root, "tests", "EndToEnd.Tests", "clients");

    public static async Task<string> RunAsync(IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        await NodePackages.EnsureInstalledAsync(Directory, Path.Combine(Directory, "node_modules", "@modelcontextprotocol", "sdk"), ct);
        var (exit, output) = await NodePackages.RunAsync("node", ["ts-client.mjs"], Directory, environment, ct);
        return exit == 0 ? output.Trim().Split('\n')[^1] : throw new InvalidOperationException($"ts-client.mjs exited {exit}:\n{output}");
    }
}
