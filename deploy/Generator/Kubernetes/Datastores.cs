using k8s;
using k8s.Models;
using Platform.Deploy.Planning;

namespace Platform.Deploy.Kubernetes;

/// <summary>
/// The optional in-cluster datastores (a kustomize component): one StatefulSet per <c>container.v0</c> resource, with
/// the manifest's image, settings and command, whose data lives on a PersistentVolumeClaim. Never emptyDir: a
/// rescheduled pod would start with an empty audit chain and key store. The base keeps them external, which is what
/// production should use (managed, backed up, highly available).
/// </summary>
internal static class Datastores
{
    public const string ComponentDirectory = "components/datastores";
    private const string DataVolume = "data";

    public static IEnumerable<IKubernetesObject<V1ObjectMeta>> For(PlannedDatastore datastore, string version)
    {
        yield return Service(datastore, version);
        yield return StatefulSet(datastore, version);
        yield return Policy(datastore, version);
    }

    /// <summary>The passwords the StatefulSets start with, and what the services' connection strings become with them.</summary>
    public static Document Credentials(DeploymentPlan plan) => Secrets.Of(plan.DatastoreCredentials, plan.Profile.Version,
    [
        $"With these datastores, {DeploymentPlan.ConnectionStringsSecret} (in the base) holds:",
        .. plan.InClusterConnectionStrings.Select(c => $"  {c.Key}: {c.Supply}"),
    ]);

    /// <summary>Headless: each StatefulSet pod gets a stable DNS name, and clients connect to the one primary.</summary>
    private static V1Service Service(PlannedDatastore datastore, string version) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = datastore.Name, Labels = Labels.Of(datastore.Name, "datastore", version) },
        Spec = new V1ServiceSpec
        {
            ClusterIP = "None",
            Selector = Labels.Selector(datastore.Name),
            Ports = [.. datastore.Ports.Select(p => new V1ServicePort { Name = p.Name, Port = p.Port, TargetPort = p.Port, Protocol = "TCP" })],
        },
    };

    private static V1StatefulSet StatefulSet(PlannedDatastore datastore, string version)
    {
        var user = datastore.Profile.RunAsUser;
        return new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = new V1ObjectMeta { Name = datastore.Name, Labels = Labels.Of(datastore.Name, "datastore", version) },
            Spec = new V1StatefulSetSpec
            {
                ServiceName = datastore.Name,
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = Labels.Selector(datastore.Name) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = Labels.Of(datastore.Name, "datastore", version) },
                    Spec = new V1PodSpec
                    {
                        AutomountServiceAccountToken = false,
                        EnableServiceLinks = false,
                        SecurityContext = Hardening.Pod(user),
                        Containers = [Container(datastore)],
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
                        Metadata = new V1ObjectMeta { Name = DataVolume, Labels = Labels.Of(datastore.Name, "datastore", version) },
                        Spec = new V1PersistentVolumeClaimSpec
                        {
                            AccessModes = ["ReadWriteOnce"],
                            Resources = new V1VolumeResourceRequirements
                            {
                                Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(datastore.Profile.Storage) },
                            },
                        },
                    },
                ],
                // Deleting the StatefulSet must never delete the audit chain with it.
                PersistentVolumeClaimRetentionPolicy = new V1StatefulSetPersistentVolumeClaimRetentionPolicy { WhenDeleted = "Retain", WhenScaled = "Retain" },
            },
        };
    }

    private static V1Container Container(PlannedDatastore datastore)
    {
        var port = datastore.Ports[0].Port;
        var profile = datastore.Profile;
        return new V1Container
        {
            Name = datastore.Name,
            Image = datastore.Image,
            ImagePullPolicy = "IfNotPresent",
            Command = datastore.Command is { Count: > 0 } command ? [.. command] : null,
            Args = datastore.Args.Count > 0 ? [.. datastore.Args] : null,
            Ports = [.. datastore.Ports.Select(p => new V1ContainerPort { Name = p.Name, ContainerPort = p.Port, Protocol = "TCP" })],
            Env = [.. datastore.Environment.Select(EnvVars.Of)],
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(profile.Resources.CpuRequest), ["memory"] = new(profile.Resources.MemoryRequest) },
                Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(profile.Resources.CpuLimit), ["memory"] = new(profile.Resources.MemoryLimit) },
            },
            ReadinessProbe = profile.ReadinessCommand is { } readiness
                ? new V1Probe { Exec = new V1ExecAction { Command = [.. readiness] }, PeriodSeconds = 5, TimeoutSeconds = 3, FailureThreshold = 3 }
                : new V1Probe { TcpSocket = new V1TCPSocketAction { Port = port }, PeriodSeconds = 5, TimeoutSeconds = 3, FailureThreshold = 3 },
            LivenessProbe = new V1Probe
            {
                TcpSocket = new V1TCPSocketAction { Port = port },
                PeriodSeconds = 10,
                TimeoutSeconds = 3,
                FailureThreshold = 6,
            },
            StartupProbe = new V1Probe
            {
                TcpSocket = new V1TCPSocketAction { Port = port },
                PeriodSeconds = 2,
                FailureThreshold = 60,
            },
            SecurityContext = Hardening.Container(profile.RunAsUser),
            VolumeMounts =
            [
                new V1VolumeMount { Name = DataVolume, MountPath = profile.DataPath },
                new V1VolumeMount { Name = "tmp", MountPath = "/tmp" },
                new V1VolumeMount { Name = "run", MountPath = profile.RunPath },
            ],
        };
    }

    /// <summary>Only the services that use a datastore (per the manifest) reach it, and a datastore reaches nothing.</summary>
    private static V1NetworkPolicy Policy(PlannedDatastore datastore, string version) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = new V1ObjectMeta { Name = datastore.Name, Labels = Labels.Of(datastore.Name, "network-policy", version) },
        Spec = new V1NetworkPolicySpec
        {
            PodSelector = new V1LabelSelector { MatchLabels = Labels.Selector(datastore.Name) },
            PolicyTypes = ["Ingress", "Egress"],
            Ingress = datastore.Clients.Count == 0
                ? []
                :
                [
                    new V1NetworkPolicyIngressRule
                    {
                        FromProperty = [.. datastore.Clients.Select(c => new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = Labels.Selector(c) } })],
                        Ports = [.. datastore.Ports.Select(p => new V1NetworkPolicyPort { Port = p.Port, Protocol = "TCP" })],
                    },
                ],
            Egress = [],
        },
    };
}
