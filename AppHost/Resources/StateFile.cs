using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.AppHost.Resources;

/// <summary>
/// <c>.apphost/state.json</c>: how tools and end-to-end tests find the running services. It holds the
/// local connection strings (with passwords), so only its owner may read it.
/// </summary>
public sealed record AppHostState(
    [property: JsonPropertyName("services")] IReadOnlyDictionary<string, ServiceState> Services,
    [property: JsonPropertyName("adminKeyFile")] string AdminKeyFile,
    [property: JsonPropertyName("connectionStrings")] IReadOnlyDictionary<string, string> ConnectionStrings)
{
    public const string FileName = "state.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    public void WriteTo(string dataDirectory)
    {
        var path = PathIn(dataDirectory);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            JsonSerializer.Serialize(file, this, Indented);
        }

        // Readers never see a half-written file.
        File.Move(temporary, path, overwrite: true);
    }

    public static void Remove(string dataDirectory) => File.Delete(PathIn(dataDirectory));
}

public sealed record ServiceState([property: JsonPropertyName("url")] string Url);
