using System.Text.Json.Nodes;
using Platform.Deploy.Aspire;

namespace Platform.Deploy.Tests;

internal static class Repository
{
    /// <summary>The directory above the test binaries that holds Platform.sln.</summary>
    public static string Root { get; } = Find(AppContext.BaseDirectory);

    public static string ManifestPath => Path.Combine(Root, AspireManifest.FileName);

    /// <summary>The committed manifest as JSON, for tests that check it without the generator's reader.</summary>
    public static JsonObject ManifestJson() => JsonNode.Parse(File.ReadAllText(ManifestPath))!.AsObject();

    private static string Find(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no Platform.sln above {start}");
    }
}
