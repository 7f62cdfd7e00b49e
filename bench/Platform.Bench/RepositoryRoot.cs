namespace Platform.Bench;

/// <summary>The repository the bench runs from: the folder above the bench's output that holds <c>Platform.sln</c>.</summary>
internal static class RepositoryRoot
{
    public static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Platform.sln above {AppContext.BaseDirectory}: run the bench from its build output in the repository.");
    }
}
