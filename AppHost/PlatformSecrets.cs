using System.Buffers.Text;
using System.Security.Cryptography;

namespace Platform.AppHost;

/// <summary>
/// The platform's secrets as Aspire parameters. A local run makes each once and keeps it in a file only its owner can
/// read (<c>.apphost/&lt;name&gt;</c>), so keys issued yesterday still verify today; a published manifest asks the
/// deployment to generate them.
/// </summary>
public sealed record PlatformSecrets(
    IResourceBuilder<ParameterResource> AdminKey,
    IResourceBuilder<ParameterResource> Pepper,
    IResourceBuilder<ParameterResource> ServiceKey,
    bool AdminKeyIsNew)
{
    public const string AdminKeyName = "admin-key";
    public const string PepperName = "pepper";
    public const string ServiceKeyName = "service-key";

    /// <summary>Where a local run keeps the admin key; scripts, the bench and the drills read it from here.</summary>
    public static string AdminKeyFile(string dataDirectory) => Path.Combine(dataDirectory, AdminKeyName);
}

public static class PlatformSecretsExtensions
{
    /// <remarks>
    /// <see cref="PlatformSecrets.AdminKeyIsNew"/> is judged now, before the parameter's value is first read: a run that is
    /// about to make the admin key is the one time it is printed.
    /// </remarks>
    public static PlatformSecrets AddPlatformSecrets(this IDistributedApplicationBuilder builder, string dataDirectory) => new(
        builder.AddSecret(PlatformSecrets.AdminKeyName, dataDirectory, () => "mcp_admin_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)), 43),
        // Auth wants base64 of at least 32 random bytes; 44 generated alphanumerics are valid base64 of 33 bytes.
        builder.AddSecret(PlatformSecrets.PepperName, dataDirectory, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), 44),
        builder.AddSecret(PlatformSecrets.ServiceKeyName, dataDirectory, () => "svc_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)), 43),
        builder.ExecutionContext.IsRunMode && !File.Exists(PlatformSecrets.AdminKeyFile(dataDirectory)));

    private static IResourceBuilder<ParameterResource> AddSecret(
        this IDistributedApplicationBuilder builder, string name, string dataDirectory, Func<string> generate, int generatedLength) =>
        builder.ExecutionContext.IsPublishMode
            ? builder.AddParameter(name, new GenerateParameterDefault { MinLength = generatedLength, Special = false }, secret: true)
            : builder.AddParameter(name, () => LoadOrCreate(Path.Combine(dataDirectory, name), generate), secret: true);

    private static string LoadOrCreate(string path, Func<string> generate)
    {
        if (File.Exists(path))
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return File.ReadAllText(path).Trim();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var value = generate();
        try
        {
            using var file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            file.Write(System.Text.Encoding.ASCII.GetBytes(value));
            return value;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another run made it first; both use that one.
            return File.ReadAllText(path).Trim();
        }
    }
}
