namespace Platform.EndToEnd.Tests;

/// <summary>The repository the tests run from: the folder holding <c>Platform.sln</c> above the test's output folder.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Platform.sln above {AppContext.BaseDirectory}.");
    }
}
