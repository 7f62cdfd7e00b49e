using Microsoft.Extensions.Configuration;

namespace Platform.Provisioning;

/// <summary>Where local servers keep their data and how durable they are; read from the AppHost's configuration.</summary>
public sealed record DatastoreOptions(string DataDirectory, bool Durable)
{
    /// <summary><c>AppHost:DataDirectory</c> (default <c>&lt;repository&gt;/.apphost</c>) and <c>AppHost:Durable</c> (default true).</summary>
    public static DatastoreOptions From(IConfiguration configuration, string defaultDataDirectory) => new(
        Path.GetFullPath(configuration["AppHost:DataDirectory"] is { Length: > 0 } configured ? configured : defaultDataDirectory),
        // Throwaway clusters of the tests trade crash safety for speed; the platform itself and the bench keep it.
        !bool.TryParse(configuration["AppHost:Durable"], out var durable) || durable);
}
