using System.Buffers.Text;
using System.Security.Cryptography;

namespace Platform.AppHost.Resources;

/// <summary>A secret the AppHost makes once (32 random bytes behind a prefix), keeps in a file only its owner can read, and reuses afterwards.</summary>
public sealed record GeneratedSecret(string Value, string FilePath, bool CreatedNow)
{
    public static GeneratedSecret LoadOrCreate(string dataDirectory, string fileName, string prefix)
    {
        var path = Path.Combine(dataDirectory, fileName);
        if (File.Exists(path))
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return new GeneratedSecret(File.ReadAllText(path).Trim(), path, CreatedNow: false);
        }

        var value = prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        using (var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(value);
        }

        return new GeneratedSecret(value, path, CreatedNow: true);
    }
}
