using k8s;
using k8s.Models;
using Platform.Deploy.Planning;
using Platform.Deploy.Profile;

namespace Platform.Deploy.Kubernetes;

/// <summary>Deployment, Service, PodDisruptionBudget and (for stateless services) HorizontalPodAutoscaler.</summary>
internal static class Workloads
{
    public const long NonRootUser = 10001;
    private const string HttpPortName = "http";

    public static IEnumerable<IKubernetesObject<V1ObjectMeta>> For(PlannedService service, DeploymentProfile profile)
    {
        yield return Deployment(service, profile);
        yield return Service(service, profile);
        yield return DisruptionBudget(service, profile);
        if (service.Profile.Autoscaling is { } autoscaling)
        {
            yield return Autoscaler(service, autoscaling, profile);
        }
    }

    private static V1Deployment Deployment(PlannedService service, DeploymentProfile profile) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = service.Name, Labels = Labels.Of(service.Name, "api", profile.Version) },
        Spec = new V1DeploymentSpec
        {
            // An autoscaled Deployment leaves replicas to its HPA; a value here would reset the HPA on every apply.
            Replicas = service.Profile.Autoscaling is null ? service.Profile.Replicas : null,
            RevisionHistoryLimit = 5,
            Selector = new V1LabelSelector { MatchLabels = Labels.Selector(service.Name) },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = Labels.Of(service.Name, "api", profile.Version) },
                Spec = Pod(service, profile),
            },
        },
    };

    private static V1PodSpec Pod(PlannedService service, DeploymentProfile profile) => new()
    {
        // No service talks to the Kubernetes API, so a stolen pod gets no token to do so.
        AutomountServiceAccountToken = false,
        EnableServiceLinks = false,
        TerminationGracePeriodSeconds = 30,
        SecurityContext = Hardening.Pod(NonRootUser),
        Containers = [Container(service, profile)],
        Volumes =
        [
            new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("256Mi") } },
        ],
    };

    private static V1Container Container(PlannedService service, DeploymentProfile profile) => new()
    {
        Name = service.Name,
        Image = profile.ImageOf(service.Name),
        ImagePullPolicy = "IfNotPresent",
        Args = service.Args.Count > 0 ? [.. service.Args] : null,
        Ports = [new V1ContainerPort { Name = HttpPortName, ContainerPort = service.Port, Protocol = "TCP" }],
        Env = [.. service.Environment.Select(EnvVars.Of)],
        Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity>
            {
                ["cpu"] = new(service.Profile.Resources.CpuRequest),
                ["memory"] = new(service.Profile.Resources.MemoryRequest),
            },
            Limits = new Dictionary<string, ResourceQuantity>
            {
                ["cpu"] = new(service.Profile.Resources.CpuLimit),
                ["memory"] = new(service.Profile.Resources.MemoryLimit),
            },
        },
        LivenessProbe = Probe("/health/live", periodSeconds: 10, failureThreshold: 3),
        ReadinessProbe = Probe("/health/ready", periodSeconds: 5, failureThreshold: 3),

        // Up to two minutes for migrations and the first database connection before liveness takes over.
        StartupProbe = Probe("/health/ready", periodSeconds: 2, failureThreshold: 60),
        SecurityContext = Hardening.Container(NonRootUser),
        VolumeMounts = [new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }],
    };

    private static V1Probe Probe(string path, int periodSeconds, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = HttpPortName },
        PeriodSeconds = periodSeconds,
        TimeoutSeconds = 2,
        FailureThreshold = failureThreshold,
    };

    /// <summary>The port the other services' URLs name (<c>http://auth:8080</c>).</summary>
    private static V1Service Service(PlannedService service, DeploymentProfile profile) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = service.Name, Labels = Labels.Of(service.Name, "api", profile.Version) },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Selector = Labels.Selector(service.Name),
            Ports = [new V1ServicePort { Name = HttpPortName, Port = service.Port, TargetPort = HttpPortName, Protocol = "TCP" }],
        },
    };

    private static V1PodDisruptionBudget DisruptionBudget(PlannedService service, DeploymentProfile profile) => new()
    {
        ApiVersion = "policy/v1",
        Kind = "PodDisruptionBudget",
        Metadata = new V1ObjectMeta { Name = service.Name, Labels = Labels.Of(service.Name, "api", profile.Version) },
        Spec = new V1PodDisruptionBudgetSpec
        {
            Selector = new V1LabelSelector { MatchLabels = Labels.Selector(service.Name) },
            MinAvailable = service.Profile.Disruption.MinAvailable is { } minAvailable ? minAvailable : null,
            MaxUnavailable = service.Profile.Disruption.MaxUnavailable is { } maxUnavailable ? maxUnavailable : null,
        },
    };

    private static V2HorizontalPodAutoscaler Autoscaler(PlannedService service, Autoscaling autoscaling, DeploymentProfile profile) => new()
    {
        ApiVersion = "autoscaling/v2",
        Kind = "HorizontalPodAutoscaler",
        Metadata = new V1ObjectMeta { Name = service.Name, Labels = Labels.Of(service.Name, "api", profile.Version) },
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = service.Name },
            MinReplicas = autoscaling.MinReplicas,
            MaxReplicas = autoscaling.MaxReplicas,
            Metrics =
            [
                new V2MetricSpec
                {
                    Type = "Resource",
                    Resource = new V2ResourceMetricSource
                    {
                        Name = "cpu",
                        Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = autoscaling.TargetCpuUtilizationPercent },
                    },
                },
            ],
        },
    };
}
