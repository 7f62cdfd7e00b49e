using k8s.Models;
using Platform.AppHost.Model;

namespace Platform.AppHost.Publishing.Kubernetes;

/// <summary>
/// Default deny, then one policy per service that opens exactly what it needs. Namespace names are the common
/// defaults; an overlay patches them where the cluster differs (docs/deploy.md).
/// </summary>
internal static class NetworkPolicies
{
    public const string IngressNamespace = "ingress-nginx";
    public const string MonitoringNamespace = "monitoring";
    public const int PostgresPort = 5432;
    public const int RedisPort = 6379;

    /// <summary>What the SSRF guard refuses too: a compromised tool must not reach the cluster or cloud metadata.</summary>
    public static IReadOnlyList<string> PrivateRanges { get; } =
        ["10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"];

    public static IEnumerable<V1NetworkPolicy> All()
    {
        yield return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = new V1ObjectMeta { Name = "default-deny", Labels = Labels.Of(Labels.Platform, "network-policy") },
            Spec = new V1NetworkPolicySpec { PodSelector = new V1LabelSelector(), PolicyTypes = ["Ingress", "Egress"] },
        };

        foreach (var service in PlatformModel.Services)
        {
            yield return For(service);
        }
    }

    private static V1NetworkPolicy For(ServiceResource service) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = new V1ObjectMeta { Name = service.Name, Labels = Labels.Of(service.Name, "network-policy") },
        Spec = new V1NetworkPolicySpec
        {
            PodSelector = new V1LabelSelector { MatchLabels = Labels.Selector(service.Name) },
            PolicyTypes = ["Ingress", "Egress"],
            Ingress = [.. Ingress(service)],
            Egress = [.. Egress(service)],
        },
    };

    private static IEnumerable<V1NetworkPolicyIngressRule> Ingress(ServiceResource service)
    {
        var http = new[] { Port(PlatformModel.HttpPort, "TCP") };
        if (service.External)
        {
            yield return new V1NetworkPolicyIngressRule { FromProperty = [InNamespace(IngressNamespace)], Ports = http };
        }

        var callers = PlatformModel.Services.Where(s => s.Calls.Contains(service.Name)).ToList();
        if (callers.Count > 0)
        {
            yield return new V1NetworkPolicyIngressRule
            {
                FromProperty = [.. callers.Select(c => new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = Labels.Selector(c.Name) } })],
                Ports = http,
            };
        }

        // Prometheus scrapes /metrics on the same port.
        yield return new V1NetworkPolicyIngressRule { FromProperty = [InNamespace(MonitoringNamespace)], Ports = http };
    }

    private static IEnumerable<V1NetworkPolicyEgressRule> Egress(ServiceResource service)
    {
        yield return new V1NetworkPolicyEgressRule
        {
            To =
            [
                new V1NetworkPolicyPeer
                {
                    NamespaceSelector = NamespaceNamed("kube-system"),
                    PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["k8s-app"] = "kube-dns" } },
                },
            ],
            Ports = [Port(53, "UDP"), Port(53, "TCP")],
        };

        // PostgreSQL and Redis are external by default, so they are matched by port; an overlay narrows the
        // destination with an ipBlock or a podSelector once their address is known.
        yield return new V1NetworkPolicyEgressRule { Ports = [Port(PostgresPort, "TCP")] };
        yield return new V1NetworkPolicyEgressRule { Ports = [Port(RedisPort, "TCP")] };

        foreach (var callee in service.Calls)
        {
            yield return new V1NetworkPolicyEgressRule
            {
                To = [new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = Labels.Selector(callee) } }],
                Ports = [Port(PlatformModel.HttpPort, "TCP")],
            };
        }

        if (service.CallsInternet)
        {
            yield return new V1NetworkPolicyEgressRule
            {
                To = [new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "0.0.0.0/0", Except = [.. PrivateRanges] } }],
                Ports = [Port(443, "TCP"), Port(80, "TCP")],
            };
        }
    }

    private static V1NetworkPolicyPeer InNamespace(string name) => new() { NamespaceSelector = NamespaceNamed(name) };

    private static V1LabelSelector NamespaceNamed(string name) => new()
    {
        MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = name },
    };

    private static V1NetworkPolicyPort Port(int port, string protocol) => new() { Port = port, Protocol = protocol };
}
