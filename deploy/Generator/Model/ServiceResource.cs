namespace Platform.AppHost.Model;

/// <summary>
/// One service of the application model. The same list drives <c>run</c> and <c>publish</c>
/// (aspire-manifest.json, Kubernetes), so a service is described once.
/// </summary>
/// <param name="Name">Kebab-case resource name; also the service-discovery key (<c>services__&lt;name&gt;__http__0</c>).</param>
/// <param name="ProjectPath">The .csproj, relative to the repository root or absolute.</param>
/// <param name="External">Reachable from outside the cluster (ingress, network policy), not only by other services.</param>
public sealed record ServiceResource(string Name, string ProjectPath, bool External)
{
    public string Description { get; init; } = "";

    public int Replicas { get; init; } = 2;

    public ComputeResources Resources { get; init; } = ComputeResources.Small;

    /// <summary>Set only for services that keep no state in memory, so any replica can serve any request.</summary>
    public Autoscaling? Autoscaling { get; init; }

    /// <summary>Platform services this one calls over HTTP; everything else talks through PostgreSQL.</summary>
    public IReadOnlyList<string> Calls { get; init; } = [];

    /// <summary>Reaches servers outside the cluster (upstream MCP servers, <c>http_fetch</c>).</summary>
    public bool CallsInternet { get; init; }

    /// <summary>Settings that hold secrets, each fed from a <see cref="SecretParameter"/>.</summary>
    public IReadOnlyList<SecretSetting> Secrets { get; init; } = [];

    /// <summary>The only paths the ingress routes to an <see cref="External"/> service; everything else stays in the cluster.</summary>
    public IReadOnlyList<PublicPath> PublicPaths { get; init; } = [];

    /// <summary>Settings that are not secret and differ from the services' defaults in a deployment.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; init; } = [];
}

/// <param name="Exact">Only this path, not the paths below it.</param>
public sealed record PublicPath(string Path, bool Exact);

/// <summary>Kubernetes quantities, e.g. <c>100m</c> and <c>256Mi</c>.</summary>
public sealed record ComputeResources(string CpuRequest, string MemoryRequest, string CpuLimit, string MemoryLimit)
{
    public static ComputeResources Small { get; } = new("100m", "256Mi", "1", "512Mi");
}

public sealed record Autoscaling(int MinReplicas, int MaxReplicas, int TargetCpuUtilizationPercent);

/// <param name="Variable">The environment variable the service reads, e.g. <c>Auth__BootstrapAdminKey</c>.</param>
/// <param name="Parameter">The <see cref="SecretParameter"/> that supplies it.</param>
public sealed record SecretSetting(string Variable, string Parameter);

/// <summary>A secret the operator supplies at deployment (or lets the deployment tool generate).</summary>
/// <param name="GeneratedLength">Length of a generated alphanumeric default.</param>
public sealed record SecretParameter(string Name, int GeneratedLength, string Description);

/// <summary>A backing server the platform needs: PostgreSQL or Redis.</summary>
/// <param name="Image">Pinned image reference, without a registry host.</param>
/// <param name="ConnectionString">Aspire expression for the connection string.</param>
public sealed record BackingServer(
    string Name,
    string Image,
    int Port,
    string ConnectionString,
    IReadOnlyList<KeyValuePair<string, string>> Environment,
    IReadOnlyList<string> Arguments);
