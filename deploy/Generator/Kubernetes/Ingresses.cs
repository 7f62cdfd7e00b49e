using k8s.Models;
using Platform.Deploy.Planning;

namespace Platform.Deploy.Kubernetes;

/// <summary>
/// A NetworkPolicy cannot see paths, so the Ingress is where <c>/internal</c>, <c>/metrics</c> and <c>/health</c>
/// stay unreachable from outside: it routes only the profile's public paths of the external services. Host, TLS and
/// class are the operator's (an overlay patch, docs/deploy.md).
/// </summary>
internal static class Ingresses
{
    public const string Name = "platform";

    public static V1Ingress Platform(DeploymentPlan plan) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "Ingress",
        Metadata = new V1ObjectMeta { Name = Name, Labels = Labels.Of(Labels.Platform, "ingress", plan.Profile.Version) },
        Spec = new V1IngressSpec
        {
            Rules =
            [
                new V1IngressRule
                {
                    Http = new V1HTTPIngressRuleValue
                    {
                        Paths =
                        [
                            .. plan.Services.Where(s => s.External).SelectMany(s => s.Profile.PublicPaths.Select(p => new V1HTTPIngressPath
                            {
                                Path = p.Path,
                                PathType = p.Exact ? "Exact" : "Prefix",
                                Backend = new V1IngressBackend
                                {
                                    Service = new V1IngressServiceBackend
                                    {
                                        Name = s.Name,
                                        Port = new V1ServiceBackendPort { Name = "http" },
                                    },
                                },
                            })),
                        ],
                    },
                },
            ],
        },
    };
}
