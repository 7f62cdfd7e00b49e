using Microsoft.Extensions.Configuration;

namespace Platform.Provisioning;

/// <summary>Where local servers keep their data and how durable they are; read from the AppHost's configuration.</summary>
/// <param name="DataDirectory"><c>AppHost:DataDirectory</c>: the PostgreSQL cluster and the local secrets (default <c>&lt;repository&gt;/.apphost</c>).</param>
/// <param name="Durable"><c>AppHost:Durable</c> (default true): PostgreSQL's crash safety; throwaway test clusters turn it off for speed.</param>
/// <param name="RedisServer"><c>AppHost:Redis</c>: <c>redis-server</c> or <c>garnet</c>; unset takes redis-server where installed, else garnet.</param>
public sealed record DatastoreOptions(string DataDirectory, bool Durable, string? RedisServer)
{
    public const string RedisServerBinary = "redis-server";
    public const string Garnet = "garnet";

    public static DatastoreOptions From(IConfiguration configuration, string defaultDataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var redis = configuration["AppHost:Redis"] is { Length: > 0 } chosen ? chosen : null;
        if (redis is not (null or RedisServerBinary or Garnet))
        {
            throw new InfrastructureUnavailableException($"AppHost:Redis is '{redis}'; use '{RedisServerBinary}' or '{Garnet}', or leave it unset.");
        }

        return new(
            Path.GetFullPath(configuration["AppHost:DataDirectory"] is { Length: > 0 } configured ? configured : defaultDataDirectory),
            !bool.TryParse(configuration["AppHost:Durable"], out var durable) || durable,
            redis);
    }
}
