using System.Text.Json;
using Platform.Provisioning.Processes;

namespace Platform.Provisioning.Local;

/// <summary>Finds garnet-server's entry assembly through the repository's tool manifest, restoring the tool if needed.</summary>
internal static class GarnetTool
{
    private const string PackageId = "garnet-server";

    public static string? Find(string repositoryRoot)
    {
        if (!File.Exists(Path.Combine(repositoryRoot, ".config", "dotnet-tools.json")) || ReadVersion(repositoryRoot) is not { } version)
        {
            return null;
        }

        if (FindEntryAssembly(version) is { } dll)
        {
            return dll;
        }

        var info = ProcessRunner.StartInfo(DotnetHost.Path, ["tool", "restore"]);
        info.WorkingDirectory = repositoryRoot;
        ProcessRunner.RunAsync(info, TimeSpan.FromMinutes(3), CancellationToken.None).GetAwaiter().GetResult();
        return FindEntryAssembly(version);
    }

    private static string? ReadVersion(string manifestDirectory)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(manifestDirectory, ".config", "dotnet-tools.json")));
        return manifest.RootElement.TryGetProperty("tools", out var tools)
            && tools.TryGetProperty(PackageId, out var tool)
            && tool.TryGetProperty("version", out var version)
            ? version.GetString()
            : null;
    }

    private static string? FindEntryAssembly(string version)
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var tools = Path.Combine(packages, PackageId, version.ToLowerInvariant(), "tools");
        return Directory.Exists(tools)
            ? Directory.EnumerateFiles(tools, "GarnetServer.dll", SearchOption.AllDirectories).OrderDescending(StringComparer.Ordinal).FirstOrDefault()
            : null;
    }
}

internal static class DotnetHost
{
    /// <summary>The SDK sets DOTNET_HOST_PATH under <c>dotnet run</c>/<c>dotnet test</c>; otherwise dotnet from PATH.</summary>
    public static string Path =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
