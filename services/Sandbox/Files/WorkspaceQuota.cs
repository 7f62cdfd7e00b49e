namespace Platform.Sandbox.Files;

/// <summary>How much of its quota a workspace uses.</summary>
public static class WorkspaceQuota
{
    public static long UsedBytes(string root)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            // Links are not followed: a link's target either lives in the workspace (already counted) or
            // outside it (not the tenant's bytes), and following directory links could loop.
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = true,
        };

        long total = 0;
        foreach (var file in new DirectoryInfo(root).EnumerateFiles("*", options))
        {
            total += file.Length;
        }

        return total;
    }
}
