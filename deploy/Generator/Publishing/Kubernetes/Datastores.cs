using k8s;
using k8s.Models;
using Platform.AppHost.Model;

namespace Platform.AppHost.Publishing.Kubernetes;

/// <summary>
/// The optional in-cluster PostgreSQL and Redis (a kustomize component): StatefulSets whose data lives on
/// PersistentVolumeClaims. Never emptyDir: a rescheduled pod would start with an empty audit chain and key store.
/// The base keeps them external, which is what production should use (managed, backed up, highly available).
/// </summary>
internal static class Datastores
{
    public const string ComponentDirectory = "components/datastores";
    /// <summary>Beside the base, not inside it: kustomize refuses an overlay nested in the root it builds on.</summary>
    public const string OverlayDirectory = "../overlays/in-cluster-datastores";
    public const string CredentialsSecret = "datastore-credentials";
    private const string DataVolume = "data";

    /// <summary>The images run as these users (postgres:alpine 70, redis:alpine 999); the data volume is theirs.</summary>
    private static readonly Dictionary<string, long> UserOf = new()
    {
        [PlatformModel.PostgresServer] = 70,
        [PlatformModel.Redis] = 999,
    };

    public static IEnumerable<IKubernetesObject<V1ObjectMeta>> For(BackingServer server)
    {
        yield return Service(server);
        yield return StatefulSet(server);
        yield return Policy(server);
    }

    /// <summary>The passwords the StatefulSets start with; the operator supplies them like every other secret.</summary>
    public static V1Secret Credentials() => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta { Name = CredentialsSecret, Labels = Labels.Of(Labels.Platform, "secret") },
        Type = "Opaque",
        StringData = new Dictionary<string, string>
        {
            [PlatformModel.PostgresPasswordParameter] = $"{Secrets.PlaceholderPrefix} Password of the PostgreSQL superuser.",
            [PlatformModel.RedisPasswordParameter] = $"{Secrets.PlaceholderPrefix} Password of Redis (requirepass).",
        },
    };

    /// <summary>Headless: each StatefulSet pod gets a stable DNS name, and clients connect to the one primary.</summary>
    private static V1Service Service(BackingServer server) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = server.Name, Labels = Labels.Of(server.Name, "datastore") },
        Spec = new V1ServiceSpec
        {
            ClusterIP = "None",
            Selector = Labels.Selector(server.Name),
            Ports = [new V1ServicePort { Name = "tcp", Port = server.Port, TargetPort = server.Port, Protocol = "TCP" }],
        },
    };

    private static V1StatefulSet StatefulSet(BackingServer server)
    {
        var isPostgres = server.Name == PlatformModel.PostgresServer;
        var user = UserOf[server.Name];
        return new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = new V1ObjectMeta { Name = server.Name, Labels = Labels.Of(server.Name, "datastore") },
            Spec = new V1StatefulSetSpec
            {
                ServiceName = server.Name,
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = Labels.Selector(server.Name) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = Labels.Of(server.Name, "datastore") },
                    Spec = new V1PodSpec
                    {
                        AutomountServiceAccountToken = false,
                        EnableServiceLinks = false,
                        SecurityContext = Hardening.Pod(user),
                        Containers = [isPostgres ? PostgresContainer(server, user) : RedisContainer(server, user)],
                        // Scratch space only: the read-only root needs writable sockets and temp files. Data is on the claim.
                        Volumes =
                        [
                            new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("64Mi") } },
                            new V1Volume { Name = "run", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("16Mi") } },
                        ],
                    },
                },
                VolumeClaimTemplates =
                [
                    new V1PersistentVolumeClaim
                    {
                        ApiVersion = "v1",
                        Kind = "PersistentVolumeClaim",
                        Metadata = new V1ObjectMeta { Name = DataVolume, Labels = Labels.Of(server.Name, "datastore") },
                        Spec = new V1PersistentVolumeClaimSpec
                        {
                            AccessModes = ["ReadWriteOnce"],
                            Resources = new V1VolumeResourceRequirements
                            {
                                Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(isPostgres ? "20Gi" : "2Gi") },
                            },
                        },
                    },
                ],
                // Deleting the StatefulSet must never delete the audit chain with it.
                PersistentVolumeClaimRetentionPolicy = new V1StatefulSetPersistentVolumeClaimRetentionPolicy { WhenDeleted = "Retain", WhenScaled = "Retain" },
            },
        };
    }

    private static V1Container PostgresContainer(BackingServer server, long user) => Container(server, user,
        environment:
        [
            new V1EnvVar { Name = "POSTGRES_USER", Value = "postgres" },
            new V1EnvVar { Name = "POSTGRES_DB", Value = PlatformModel.DatabaseName },
            new V1EnvVar { Name = "POSTGRES_INITDB_ARGS", Value = "--auth-host=scram-sha-256 --auth-local=scram-sha-256" },
            // A subdirectory, because a fresh volume's root may hold lost+found and initdb refuses a non-empty folder.
            new V1EnvVar { Name = "PGDATA", Value = "/var/lib/postgresql/data/pgdata" },
            Password("POSTGRES_PASSWORD", PlatformModel.PostgresPasswordParameter),
        ],
        // The server settings the model gives it (the image's entrypoint runs `postgres` with them).
        arguments: [.. server.Arguments],
        dataPath: "/var/lib/postgresql/data",
        runPath: "/var/run/postgresql",
        readiness: new V1Probe
        {
            Exec = new V1ExecAction { Command = ["pg_isready", "-h", "127.0.0.1", "-U", "postgres"] },
            PeriodSeconds = 5,
            TimeoutSeconds = 3,
            FailureThreshold = 3,
        });

    private static V1Container RedisContainer(BackingServer server, long user) => Container(server, user,
        environment: [Password("REDIS_PASSWORD", PlatformModel.RedisPasswordParameter)],
        // Kubernetes expands $(REDIS_PASSWORD) from the container's env, so the password never sits in the spec.
        // Append-only persistence: rate-limit state survives a restart instead of resetting every budget.
        arguments: ["--requirepass", "$(REDIS_PASSWORD)", "--appendonly", "yes", "--dir", "/data"],
        dataPath: "/data",
        runPath: "/var/run/redis",
        readiness: new V1Probe
        {
            TcpSocket = new V1TCPSocketAction { Port = server.Port },
            PeriodSeconds = 5,
            TimeoutSeconds = 3,
            FailureThreshold = 3,
        });

    private static V1Container Container(BackingServer server, long user, IList<V1EnvVar> environment, IList<string> arguments,
        string dataPath, string runPath, V1Probe readiness) => new()
    {
        Name = server.Name,
        Image = server.Image,
        ImagePullPolicy = "IfNotPresent",
        Args = arguments.Count > 0 ? arguments : null,
        Ports = [new V1ContainerPort { Name = "tcp", ContainerPort = server.Port, Protocol = "TCP" }],
        Env = environment,
        Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m"), ["memory"] = new("256Mi") },
            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("1Gi") },
        },
        ReadinessProbe = readiness,
        LivenessProbe = new V1Probe
        {
            TcpSocket = new V1TCPSocketAction { Port = server.Port },
            PeriodSeconds = 10,
            TimeoutSeconds = 3,
            FailureThreshold = 6,
        },
        StartupProbe = new V1Probe
        {
            TcpSocket = new V1TCPSocketAction { Port = server.Port },
            PeriodSeconds = 2,
            FailureThreshold = 60,
        },
        SecurityContext = Hardening.Container(user),
        VolumeMounts =
        [
            new V1VolumeMount { Name = DataVolume, MountPath = dataPath },
            new V1VolumeMount { Name = "tmp", MountPath = "/tmp" },
            new V1VolumeMount { Name = "run", MountPath = runPath },
        ],
    };

    private static V1EnvVar Password(string variable, string key) => new()
    {
        Name = variable,
        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = CredentialsSecret, Key = key } },
    };

    /// <summary>Only the platform's services reach a datastore, and a datastore reaches nothing.</summary>
    private static V1NetworkPolicy Policy(BackingServer server) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = new V1ObjectMeta { Name = server.Name, Labels = Labels.Of(server.Name, "network-policy") },
        Spec = new V1NetworkPolicySpec
        {
            PodSelector = new V1LabelSelector { MatchLabels = Labels.Selector(server.Name) },
            PolicyTypes = ["Ingress", "Egress"],
            Ingress =
            [
                new V1NetworkPolicyIngressRule
                {
                    FromProperty = [.. PlatformModel.Services.Select(s => new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = Labels.Selector(s.Name) } })],
                    Ports = [new V1NetworkPolicyPort { Port = server.Port, Protocol = "TCP" }],
                },
            ],
            Egress = [],
        },
    };
}
