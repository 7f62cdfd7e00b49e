namespace Platform.Deploy.Profile;

/// <summary>
/// What the Aspire manifest cannot say about running the platform on Kubernetes: scale, resource bounds, disruption
/// budgets, which services may reach the internet, which paths the ingress publishes, image tags, and how the
/// optional in-cluster datastores keep their data. Everything else (services, settings, secrets, who calls whom,
/// datastore images) comes from the manifest. <see cref="PlatformProfile"/> holds the platform's values.
/// </summary>
public sealed record DeploymentProfile
{
    /// <summary>Image tag of every service and the <c>app.kubernetes.io/version</c> label; never <c>latest</c>, so rollbacks are exact.</summary>
    public required string Version { get; init; }

    /// <summary>Images are <c>&lt;repository&gt;/&lt;service&gt;:&lt;version&gt;</c>, without a registry host: an overlay sets the registry.</summary>
    public required string ImageRepository { get; init; }

    /// <summary>The port every service listens on inside its container (ASP.NET Core's container default) and its Service port.</summary>
    public required int HttpPort { get; init; }

    /// <summary>The namespace of the ingress controller; only external services admit traffic from it.</summary>
    public required string IngressNamespace { get; init; }

    /// <summary>The namespace Prometheus scrapes from.</summary>
    public required string MonitoringNamespace { get; init; }

    /// <summary>Per <c>project.v0</c> resource; a project without an entry gets <see cref="ServiceProfile"/>'s defaults.</summary>
    public required IReadOnlyDictionary<string, ServiceProfile> Services { get; init; }

    /// <summary>Per <c>container.v0</c> resource; every container needs one (the generator refuses a datastore it does not know how to keep).</summary>
    public required IReadOnlyDictionary<string, DatastoreProfile> Datastores { get; init; }

    public string ImageOf(string service) => $"{ImageRepository}/{service}:{Version}";

    public ServiceProfile ServiceOf(string service) => Services.GetValueOrDefault(service) ?? new ServiceProfile();
}

public sealed record ServiceProfile
{
    /// <summary>Ignored when <see cref="Autoscaling"/> is set: the HPA owns the replica count then.</summary>
    public int Replicas { get; init; } = 2;

    public ComputeResources Resources { get; init; } = ComputeResources.Small;

    /// <summary>Set only for services that keep no state in memory, so any replica can serve any request.</summary>
    public Autoscaling? Autoscaling { get; init; }

    public DisruptionBudget Disruption { get; init; } = DisruptionBudget.KeepOne;

    /// <summary>May open connections to public addresses (upstream MCP servers, webhooks): 80 and 443 outside private ranges.</summary>
    public bool CallsInternet { get; init; }

    /// <summary>The only paths the ingress routes to an external service; required for every external service.</summary>
    public IReadOnlyList<PublicPath> PublicPaths { get; init; } = [];
}

/// <param name="Exact">Only this path, not the paths below it.</param>
public sealed record PublicPath(string Path, bool Exact);

/// <summary>Kubernetes quantities, e.g. <c>100m</c> and <c>256Mi</c>.</summary>
public sealed record ComputeResources(string CpuRequest, string MemoryRequest, string CpuLimit, string MemoryLimit)
{
    public static ComputeResources Small { get; } = new("100m", "256Mi", "1", "512Mi");
}

public sealed record Autoscaling(int MinReplicas, int MaxReplicas, int TargetCpuUtilizationPercent);

/// <summary>Exactly one of the two is set.</summary>
public sealed record DisruptionBudget(int? MinAvailable, int? MaxUnavailable)
{
    /// <summary>A voluntary disruption (a node drain) never takes the last running pod.</summary>
    public static DisruptionBudget KeepOne { get; } = new(1, null);

    /// <summary>For a single replica: minAvailable 1 would block every node drain, so the one pod may move instead.</summary>
    public static DisruptionBudget MayMoveOne { get; } = new(null, 1);
}

/// <summary>How the in-cluster datastores overlay runs one <c>container.v0</c> resource as a StatefulSet.</summary>
public sealed record DatastoreProfile
{
    /// <summary>The user the image's server runs as; the data volume is made theirs through fsGroup.</summary>
    public required long RunAsUser { get; init; }

    /// <summary>Where the PersistentVolumeClaim is mounted.</summary>
    public required string DataPath { get; init; }

    /// <summary>Scratch space the server needs on a read-only root filesystem (sockets, lock files), an emptyDir.</summary>
    public required string RunPath { get; init; }

    /// <summary>Size of the claim, e.g. <c>20Gi</c>.</summary>
    public required string Storage { get; init; }

    public ComputeResources Resources { get; init; } = new("250m", "256Mi", "1", "1Gi");

    /// <summary>A command whose success means ready; null: the port accepts TCP connections.</summary>
    public IReadOnlyList<string>? ReadinessCommand { get; init; }

    /// <summary>Settings the server needs in a cluster beyond the manifest's, e.g. where the data lives on the claim.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    /// <summary>Server arguments appended to the manifest's command, e.g. persistence the local run does without.</summary>
    public IReadOnlyList<string> ServerArguments { get; init; } = [];

    /// <summary>
    /// The image's variable that creates a database at first start (<c>POSTGRES_DB</c>); set from the manifest's
    /// <c>value.v0</c> resource that names a database on this server.
    /// </summary>
    public string? DatabaseVariable { get; init; }
}
