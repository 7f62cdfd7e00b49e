using System.Buffers.Text;
using System.Security.Cryptography;

namespace Platform.AppHost.Resources;

/// <summary>The bootstrap admin key: made once, kept in a file only its owner can read, reused afterwards.</summary>
public sealed record AdminKey(string Value, string FilePath, bool CreatedNow)
{
    public const string FileName = "admin-key";
    private const string Prefix = "mcp_admin_";

    public static AdminKey LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return new AdminKey(File.ReadAllText(path).Trim(), path, CreatedNow: false);
        }

        var key = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        using (var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(key);
        }

        return new AdminKey(key, path, CreatedNow: true);
    }
}
