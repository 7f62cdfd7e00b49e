using k8s.Models;
using Platform.Deploy.Planning;

namespace Platform.Deploy.Kubernetes;

/// <summary>
/// Default deny, then one policy per service that opens exactly what it needs: who calls whom and who uses which
/// datastore come from the manifest (a service given <c>{auth.bindings.http.url}</c> calls auth), the internet from the
/// profile. Namespace names are the common defaults; an overlay patches them where the cluster differs (docs/deploy.md).
/// </summary>
internal static class NetworkPolicies
{
    /// <summary>What the SSRF guard refuses too: a compromised tool must not reach the cluster or cloud metadata.</summary>
    public static IReadOnlyList<string> PrivateRanges { get; } =
        ["10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"];

    public static IEnumerable<V1NetworkPolicy> All(DeploymentPlan plan)
    {
        yield return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = new V1ObjectMeta { Name = "default-deny", Labels = Labels.Of(Labels.Platform, "network-policy", plan.Profile.Version) },
            Spec = new V1NetworkPolicySpec { PodSelector = new V1LabelSelector(), PolicyTypes = ["Ingress", "Egress"] },
        };

        foreach (var service in plan.Services)
        {
            yield return For(service, plan);
        }
    }

    private static V1NetworkPolicy For(PlannedService service, DeploymentPlan plan) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = new V1ObjectMeta { Name = service.Name, Labels = Labels.Of(service.Name, "network-policy", plan.Profile.Version) },
        Spec = new V1NetworkPolicySpec
        {
            PodSelector = new V1LabelSelector { MatchLabels = Labels.Selector(service.Name) },
            PolicyTypes = ["Ingress", "Egress"],
            Ingress = [.. Ingress(service, plan)],
            Egress = [.. Egress(service, plan)],
        },
    };

    private static IEnumerable<V1NetworkPolicyIngressRule> Ingress(PlannedService service, DeploymentPlan plan)
    {
        var http = new[] { Port(service.Port, "TCP") };
        if (service.External)
        {
            yield return new V1NetworkPolicyIngressRule { FromProperty = [InNamespace(plan.Profile.IngressNamespace)], Ports = http };
        }

        var callers = plan.Services.Where(s => s.Calls.Contains(service.Name)).ToList();
        if (callers.Count > 0)
        {
            yield return new V1NetworkPolicyIngressRule
            {
                FromProperty = [.. callers.Select(c => new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = Labels.Selector(c.Name) } })],
                Ports = http,
            };
        }

        // Prometheus scrapes /metrics on the same port.
        yield return new V1NetworkPolicyIngressRule { FromProperty = [InNamespace(plan.Profile.MonitoringNamespace)], Ports = http };
    }

    private static IEnumerable<V1NetworkPolicyEgressRule> Egress(PlannedService service, DeploymentPlan plan)
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

        // The datastores are external in the base, so they are matched by port; an overlay narrows the destination
        // with an ipBlock or a podSelector once their address is known.
        foreach (var port in plan.Datastores.Where(d => service.Datastores.Contains(d.Name)).SelectMany(d => d.Ports))
        {
            yield return new V1NetworkPolicyEgressRule { Ports = [Port(port.Port, "TCP")] };
        }

        foreach (var callee in plan.Services.Where(s => service.Calls.Contains(s.Name)))
        {
            yield return new V1NetworkPolicyEgressRule
            {
                To = [new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = Labels.Selector(callee.Name) } }],
                Ports = [Port(callee.Port, "TCP")],
            };
        }

        if (service.Profile.CallsInternet)
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
