using k8s;
using k8s.Models;
using Platform.AppHost.Model;

namespace Platform.AppHost.Publishing.Kubernetes;

/// <summary>Deployment, Service, PodDisruptionBudget and (for stateless services) HorizontalPodAutoscaler.</summary>
internal static class Workloads
{
    public const long NonRootUser = 10001;
    private const string HttpPortName = "http";

    public static IEnumerable<IKubernetesObject<V1ObjectMeta>> For(ServiceResource service)
    {
        yield return Deployment(service);
        yield return Service(service);
        yield return DisruptionBudget(service);
        if (service.Autoscaling is { } autoscaling)
        {
            yield return Autoscaler(service, autoscaling);
        }
    }

    private static V1Deployment Deployment(ServiceResource service) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = service.Name, Labels = Labels.Of(service.Name, "api") },
        Spec = new V1DeploymentSpec
        {
            // An autoscaled Deployment leaves replicas to its HPA; a value here would reset the HPA on every apply.
            Replicas = service.Autoscaling is null ? service.Replicas : null,
            RevisionHistoryLimit = 5,
            Selector = new V1LabelSelector { MatchLabels = Labels.Selector(service.Name) },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = Labels.Of(service.Name, "api") },
                Spec = Pod(service),
            },
        },
    };

    private static V1PodSpec Pod(ServiceResource service) => new()
    {
        // No service talks to the Kubernetes API, so a stolen pod gets no token to do so.
        AutomountServiceAccountToken = false,
        EnableServiceLinks = false,
        TerminationGracePeriodSeconds = 30,
        SecurityContext = Hardening.Pod(NonRootUser),
        Containers = [Container(service)],
        Volumes =
        [
            new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("256Mi") } },
        ],
    };

    private static V1Container Container(ServiceResource service) => new()
    {
        Name = service.Name,
        Image = PlatformModel.ImageOf(service),
        ImagePullPolicy = "IfNotPresent",
        Ports = [new V1ContainerPort { Name = HttpPortName, ContainerPort = PlatformModel.HttpPort, Protocol = "TCP" }],
        Env = [.. Environment(service)],
        Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity>
            {
                ["cpu"] = new(service.Resources.CpuRequest),
                ["memory"] = new(service.Resources.MemoryRequest),
            },
            Limits = new Dictionary<string, ResourceQuantity>
            {
                ["cpu"] = new(service.Resources.CpuLimit),
                ["memory"] = new(service.Resources.MemoryLimit),
            },
        },
        LivenessProbe = Probe("/health/live", periodSeconds: 10, failureThreshold: 3),
        ReadinessProbe = Probe("/health/ready", periodSeconds: 5, failureThreshold: 3),

        // Up to two minutes for migrations and the first database connection before liveness takes over.
        StartupProbe = Probe("/health/ready", periodSeconds: 2, failureThreshold: 60),
        SecurityContext = Hardening.Container(NonRootUser),
        VolumeMounts = [new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }],
    };

    /// <summary>Aspire's environment contract, with every secret and connection string read from a Secret.</summary>
    private static IEnumerable<V1EnvVar> Environment(ServiceResource service)
    {
        yield return Plain("OTEL_SERVICE_NAME", service.Name);
        yield return Plain("HTTP_PORTS", PlatformModel.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return FromSecret($"ConnectionStrings__{PlatformModel.Postgres}", Secrets.ConnectionStrings, PlatformModel.Postgres);
        yield return FromSecret($"ConnectionStrings__{PlatformModel.Redis}", Secrets.ConnectionStrings, PlatformModel.Redis);
        foreach (var other in PlatformModel.Services)
        {
            yield return Plain($"services__{other.Name}__http__0", $"http://{other.Name}:{PlatformModel.HttpPort}");
        }

        foreach (var secret in service.Secrets)
        {
            yield return FromSecret(secret.Variable, Secrets.Of(service), secret.Parameter);
        }

        foreach (var (name, value) in PlatformModel.DeploymentSettings(service))
        {
            yield return Plain(name, value);
        }
    }

    private static V1EnvVar Plain(string variable, string value) => new() { Name = variable, Value = value };

    private static V1EnvVar FromSecret(string variable, string secret, string key) => new()
    {
        Name = variable,
        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = key } },
    };

    private static V1Probe Probe(string path, int periodSeconds, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = HttpPortName },
        PeriodSeconds = periodSeconds,
        TimeoutSeconds = 2,
        FailureThreshold = failureThreshold,
    };

    private static V1Service Service(ServiceResource service) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = service.Name, Labels = Labels.Of(service.Name, "api") },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Selector = Labels.Selector(service.Name),
            Ports = [new V1ServicePort { Name = HttpPortName, Port = PlatformModel.HttpPort, TargetPort = HttpPortName, Protocol = "TCP" }],
        },
    };

    private static V1PodDisruptionBudget DisruptionBudget(ServiceResource service) => new()
    {
        ApiVersion = "policy/v1",
        Kind = "PodDisruptionBudget",
        Metadata = new V1ObjectMeta { Name = service.Name, Labels = Labels.Of(service.Name, "api") },
        Spec = new V1PodDisruptionBudgetSpec
        {
            Selector = new V1LabelSelector { MatchLabels = Labels.Selector(service.Name) },

            // With a single replica, minAvailable 1 would block every node drain; let the one pod move instead.
            MinAvailable = service.Replicas > 1 || service.Autoscaling is not null ? 1 : null,
            MaxUnavailable = service.Replicas > 1 || service.Autoscaling is not null ? null : 1,
        },
    };

    private static V2HorizontalPodAutoscaler Autoscaler(ServiceResource service, Autoscaling autoscaling) => new()
    {
        ApiVersion = "autoscaling/v2",
        Kind = "HorizontalPodAutoscaler",
        Metadata = new V1ObjectMeta { Name = service.Name, Labels = Labels.Of(service.Name, "api") },
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
