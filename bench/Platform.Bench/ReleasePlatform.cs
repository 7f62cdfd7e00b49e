using Platform.AppHost.Model;
using Platform.AppHost.Orchestration;

namespace Platform.Bench;

/// <summary>
/// The AppHost settings every bench scenario and drill shares: services already built in Release, the bench's own
/// local PostgreSQL database and Redis, throwaway data, no containers. Callers add what they measure.
/// </summary>
internal static class ReleasePlatform
{
    public static AppHostOptions Options(
        string repositoryRoot, DirectoryInfo data, string database, string redisConnectionString, IReadOnlyList<ServiceResource> services,
        IReadOnlyDictionary<string, string> environment, TextWriter output,
        Action<IReadOnlyList<RunningService>>? ready, Action<ServiceControl>? control = null) => new()
    {
        RepositoryRoot = repositoryRoot,
        Services = services,
        DataDirectoryOverride = data.FullName,
        PostgresConnectionString = database,
        RedisConnectionString = redisConnectionString,
        KeepData = false,
        UseContainers = false,
        BuildServices = false,
        BuildConfiguration = "Release",
        ExtraEnvironment = environment,
        Output = TextWriter.Synchronized(output),
        Ready = ready,
        Control = control,
    };
}
