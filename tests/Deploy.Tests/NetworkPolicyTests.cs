using k8s.Models;
using Platform.AppHost.Model;

namespace Platform.Deploy.Tests;

public sealed class NetworkPolicyTests(PublishedOutput published) : IClassFixture<PublishedOutput>
{
    private const string IngressNamespace = "ingress-nginx";
    private static readonly string[] Public = [PlatformModel.Auth, PlatformModel.ToolExecution];

    private List<V1NetworkPolicy> Policies => [.. published.Objects.OfType<V1NetworkPolicy>()];

    private V1NetworkPolicy PolicyOf(string service) =>
        Assert.Single(Policies, p => Label(p.Spec.PodSelector, "app.kubernetes.io/name") == service);

    [Fact]
    public void A_default_deny_policy_covers_every_pod_in_both_directions()
    {
        var deny = Assert.Single(Policies, p => p.Spec.PodSelector.MatchLabels is null or { Count: 0 });
        Assert.Equal(["Ingress", "Egress"], deny.Spec.PolicyTypes);
        Assert.True(deny.Spec.Ingress is null or { Count: 0 });
        Assert.True(deny.Spec.Egress is null or { Count: 0 });
    }

    [Fact]
    public void Only_auth_and_tool_execution_accept_traffic_from_the_ingress_namespace()
    {
        foreach (var service in PlatformModel.Services)
        {
            var fromIngress = PolicyOf(service.Name).Spec.Ingress
                .Any(rule => rule.FromProperty.Any(peer => Label(peer.NamespaceSelector, "kubernetes.io/metadata.name") == IngressNamespace));
            Assert.Equal(Public.Contains(service.Name), fromIngress);
        }
    }

    [Fact]
    public void No_ingress_rule_is_open_to_everyone()
    {
        foreach (var rule in Policies.SelectMany(p => p.Spec.Ingress ?? []))
        {
            Assert.NotEmpty(rule.FromProperty ?? []);
            Assert.All(rule.FromProperty!, peer => Assert.Null(peer.IpBlock));
            Assert.NotEmpty(rule.Ports ?? []);
        }
    }

    [Fact]
    public void Audit_accepts_nothing_from_other_platform_services_or_outside_the_cluster()
    {
        var audit = PolicyOf(PlatformModel.Audit);
        Assert.All(audit.Spec.Ingress, rule => Assert.All(rule.FromProperty, peer =>
        {
            Assert.Null(peer.PodSelector);
            Assert.Equal("monitoring", peer.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
        }));
    }

    [Fact]
    public void Egress_goes_only_to_dns_postgres_redis_other_services_and_public_upstreams()
    {
        foreach (var service in PlatformModel.Services)
        {
            foreach (var rule in PolicyOf(service.Name).Spec.Egress)
            {
                var ports = rule.Ports.Select(p => p.Port.Value).Order().ToList();
                var target = rule.To?.SingleOrDefault();
                if (ports.SequenceEqual(["53", "53"]))
                {
                    Assert.Equal("kube-system", target!.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
                    Assert.Equal("kube-dns", target.PodSelector.MatchLabels["k8s-app"]);
                }
                else if (ports.SequenceEqual(["5432"]) || ports.SequenceEqual(["6379"]))
                {
                    Assert.Null(rule.To);
                }
                else if (ports.SequenceEqual(["8080"]))
                {
                    Assert.Contains(target!.PodSelector.MatchLabels["app.kubernetes.io/name"], service.Calls);
                }
                else
                {
                    Assert.True(service.CallsInternet, $"{service.Name} may not reach the internet");
                    Assert.Equal(["443", "80"], [.. rule.Ports.Select(p => p.Port.Value)]);
                    Assert.Equal("0.0.0.0/0", target!.IpBlock.Cidr);
                    Assert.Contains("169.254.0.0/16", target.IpBlock.Except);
                    Assert.Contains("10.0.0.0/8", target.IpBlock.Except);
                }
            }
        }
    }

    /// <summary>Both verify API keys through Auth and fetch its JWKS; without this Audit's API answers every key with 503.</summary>
    [Fact]
    public void Tool_execution_and_audit_may_call_auth_and_nothing_else_may()
    {
        var callers = PolicyOf(PlatformModel.Auth).Spec.Ingress
            .SelectMany(r => r.FromProperty)
            .Where(p => p.PodSelector is not null)
            .Select(p => p.PodSelector.MatchLabels["app.kubernetes.io/name"]);
        Assert.Equal([PlatformModel.ToolExecution, PlatformModel.Audit], callers);

        // Platform pods are selected by name; DNS by kube-dns's own label.
        var auditEgress = PolicyOf(PlatformModel.Audit).Spec.Egress
            .SelectMany(r => r.To ?? [])
            .Where(p => p.PodSelector?.MatchLabels?.ContainsKey("app.kubernetes.io/name") == true)
            .Select(p => p.PodSelector.MatchLabels["app.kubernetes.io/name"]);
        Assert.Equal([PlatformModel.Auth], auditEgress);
    }

    [Fact]
    public void The_ingress_routes_only_the_public_paths_of_auth_and_tool_execution()
    {
        var ingress = Assert.Single(published.Objects.OfType<V1Ingress>());
        var paths = ingress.Spec.Rules.SelectMany(r => r.Http.Paths).ToList();
        Assert.NotEmpty(paths);
        Assert.Equal(Public.Order(StringComparer.Ordinal), paths.Select(p => p.Backend.Service.Name).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(paths, p => p.Path == "/mcp" && p.Backend.Service.Name == PlatformModel.ToolExecution);
        Assert.Contains(paths, p => p.Path == "/admin" && p.Backend.Service.Name == PlatformModel.Auth);
        Assert.Contains(paths, p => p.Path == "/oauth/token" && p.Backend.Service.Name == PlatformModel.Auth);
        foreach (var path in paths)
        {
            Assert.NotEqual("/", path.Path);
            Assert.DoesNotContain(new[] { "/internal", "/metrics", "/health", "/audit" }, hidden => path.Path.StartsWith(hidden, StringComparison.Ordinal));
        }
    }

    private static string? Label(V1LabelSelector? selector, string key) =>
        selector?.MatchLabels is { } labels && labels.TryGetValue(key, out var value) ? value : null;
}
