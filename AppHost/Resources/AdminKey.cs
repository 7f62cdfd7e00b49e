namespace Platform.AppHost.Resources;

/// <summary>The bootstrap admin key: made once, kept in a file only its owner can read, reused afterwards.</summary>
public sealed record AdminKey(string Value, string FilePath, bool CreatedNow)
{
    public const string FileName = "admin-key";

    public static AdminKey LoadOrCreate(string dataDirectory)
    {
        var secret = GeneratedSecret.LoadOrCreate(dataDirectory, FileName, "mcp_admin_");
        return new AdminKey(secret.Value, secret.FilePath, secret.CreatedNow);
    }
}
