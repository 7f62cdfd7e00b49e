namespace Platform.Deploy;

public static class RepositoryRoot
{
    public const string Marker = "Platform.sln";

    /// <summary>The nearest directory at or above <paramref name="start"/> that holds <see cref="Marker"/>, or null.</summary>
    public static string? FindFrom(string start)
    {
        for (var directory = new DirectoryInfo(Path.GetFullPath(start)); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, Marker)))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
