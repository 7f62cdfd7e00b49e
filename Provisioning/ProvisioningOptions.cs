namespace Platform.Provisioning;

/// <summary>How <see cref="Infrastructure"/> finds or starts PostgreSQL and Redis.</summary>
public sealed class ProvisioningOptions
{
    /// <summary>When set, used as-is and nothing is started ("configuration" source).</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>StackExchange.Redis format, e.g. <c>127.0.0.1:6379</c>. When set, used as-is.</summary>
    public string? RedisConnectionString { get; init; }

    /// <summary>Where local servers keep their data (AppHost: <c>&lt;repo&gt;/.apphost</c>; tests: a temp dir).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Reuse the PostgreSQL cluster across runs instead of deleting it on dispose.</summary>
    public bool KeepData { get; init; }

    /// <summary>
    /// Keep PostgreSQL's crash safety (fsync, synchronous commit, full-page writes) on a cluster that is deleted
    /// afterwards. Throwaway clusters turn it off for speed unless this is set; benchmarks set it, because what they
    /// measure is the production path, where an answered call's commit is on disk. Kept clusters are always durable.
    /// </summary>
    public bool Durable { get; init; }

    /// <summary>Receives one line per provisioning step. Never receives a secret.</summary>
    public Action<string>? Progress { get; init; }

    /// <summary>Try Testcontainers when a Docker engine answers. Tests turn it off to exercise the local path.</summary>
    public bool UseContainers { get; init; } = true;

    /// <summary>
    /// Directories searched for <c>initdb</c>/<c>postgres</c> and <c>redis-server</c>.
    /// Null means PATH, then <c>/usr/lib/postgresql/*/bin</c> (highest version first).
    /// </summary>
    public IReadOnlyList<string>? BinarySearchPaths { get; init; }

    /// <summary>Directory whose <c>.config/dotnet-tools.json</c> lists garnet-server. Null: walk up from the current and the app directory.</summary>
    public string? ToolManifestDirectory { get; init; }

    internal void Report(string line) => Progress?.Invoke(line);
}
