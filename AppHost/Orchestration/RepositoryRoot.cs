namespace Platform.AppHost.Orchestration;

public static class RepositoryRoot
{
    /// <summary>
    /// The directory holding Platform.sln, or else .git (a worktree has a .git file and no solution yet),
    /// searched upwards from the working directory and then from the AppHost's own directory.
    /// </summary>
    public static string Find()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            if (FindFrom(start) is { } root)
            {
                return root;
            }
        }

        throw new DirectoryNotFoundException("Run the AppHost inside the repository: no Platform.sln or .git found above the working directory.");
    }

    internal static string? FindFrom(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")) || Path.Exists(Path.Combine(dir.FullName, ".git")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
