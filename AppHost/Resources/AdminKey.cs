namespace Platform.AppHost.Resources;

/// <summary>The bootstrap admin key: made once, kept in a file only its owner can read, reused afterwards.</summary>
public static class AdminKey
{
    public const string FileName = "admin-key";

    public static GeneratedSecret LoadOrCreate(string dataDirectory) => GeneratedSecret.LoadOrCreate(dataDirectory, FileName, "mcp_admin_");
}
