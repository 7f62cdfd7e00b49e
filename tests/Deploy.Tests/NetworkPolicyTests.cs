using k8s.Models;
using Platform.Deploy.Profile;

namespace Platform.Deploy.Tests;

public sealed class NetworkPolicyTests(GeneratedOutput generated) : IClassFixture<GeneratedOutput>
{
    private const string IngressNamespace = "ingress-nginx";

    private List<V1NetworkPolicy> Policies => [.. generated.Objects.OfType<V1NetworkPolicy>()];

    private List<string> Services => ManifestFacts.Projects(generated.Manifest);

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
    public void Only_the_services_with_external_bindings_accept_traffic_from_the_ingress_namespace()
    {
        var external = ManifestFacts.ExternalProjects(generated.Manifest);
        Assert.Equal(["auth", "tool-execution"], external);
        foreach (var service in Services)
        {
            var fromIngress = PolicyOf(service).Spec.Ingress
                .Any(rule => rule.FromProperty.Any(peer => Label(peer.NamespaceSelector, "kubernetes.io/metadata.name") == IngressNamespace));
            Assert.Equal(external.Contains(service), fromIngress);
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
        var audit = PolicyOf("audit");
        Assert.All(audit.Spec.Ingress, rule => Assert.All(rule.FromProperty, peer =>
        {
            Assert.Null(peer.PodSelector);
            Assert.Equal("monitoring", peer.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
        }));
    }

    [Fact]
    public void Egress_goes_only_to_dns_the_datastores_a_service_uses_the_services_it_calls_and_public_upstreams()
    {
        foreach (var service in Services)
        {
            var callees = ManifestFacts.Callees(generated.Manifest, service);
            foreach (var rule in PolicyOf(service).Spec.Egress)
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
                    Assert.Contains(target!.PodSelector.MatchLabels["app.kubernetes.io/name"], callees);
                }
                else
                {
                    Assert.True(PlatformProfile.Default.ServiceOf(service).CallsInternet, $"{service} may not reach the internet");
                    Assert.Equal(["443", "80"], [.. rule.Ports.Select(p => p.Port.Value)]);
                    Assert.Equal("0.0.0.0/0", target!.IpBlock.Cidr);
                    Assert.Contains("169.254.0.0/16", target.IpBlock.Except);
                    Assert.Contains("10.0.0.0/8", target.IpBlock.Except);
                }
            }
        }
    }

    /// <summary>The datastores are external in the base, so a service's egress to one is matched by its port.</summary>
    [Fact]
    public void A_service_reaches_exactly_the_datastores_its_settings_name()
    {
        var portOf = new Dictionary<string, string> { ["postgres-server"] = "5432", ["redis"] = "6379" };
        Assert.Equal(portOf.Keys, ManifestFacts.Containers(generated.Manifest));
        foreach (var service in Services)
        {
            var datastorePorts = PolicyOf(service).Spec.Egress
                .Where(r => r.To is null)
                .Select(r => Assert.Single(r.Ports).Port.Value);
            Assert.Equal(ManifestFacts.DatastoresOf(generated.Manifest, service).Select(d => portOf[d]), datastorePorts);
        }

        // Tool-execution uses Redis for rate limits, auth for sign-in attempt limits; audit not at all.
        Assert.Equal(["postgres-server", "redis"], ManifestFacts.DatastoresOf(generated.Manifest, "tool-execution"));
        Assert.Equal(["postgres-server", "redis"], ManifestFacts.DatastoresOf(generated.Manifest, "auth"));
        Assert.Equal(["postgres-server"], ManifestFacts.DatastoresOf(generated.Manifest, "audit"));
    }

    /// <summary>Who calls whom is read from the manifest: a service given <c>{auth.bindings.http.url}</c> calls auth.</summary>
    [Fact]
    public void Every_call_between_services_is_a_service_url_in_the_manifest_and_both_ends_allow_it()
    {
        foreach (var service in Services)
        {
            var callees = PolicyOf(service).Spec.Egress
                .SelectMany(r => r.To ?? [])
                .Where(p => p.PodSelector?.MatchLabels?.ContainsKey("app.kubernetes.io/name") == true)
                .Select(p => p.PodSelector.MatchLabels["app.kubernetes.io/name"]);
            Assert.Equal(ManifestFacts.Callees(generated.Manifest, service), callees);

            var callers = PolicyOf(service).Spec.Ingress
                .SelectMany(r => r.FromProperty)
                .Where(p => p.PodSelector is not null)
                .Select(p => p.PodSelector.MatchLabels["app.kubernetes.io/name"]);
            Assert.Equal(Services.Where(s => ManifestFacts.Callees(generated.Manifest, s).Contains(service)), callers);
        }
    }

    /// <summary>Both verify API keys through Auth and fetch its JWKS; without this Audit's API answers every key with 503.</summary>
    [Fact]
    public void Tool_execution_and_audit_may_call_auth_and_nothing_else_may()
    {
        var callers = PolicyOf("auth").Spec.Ingress
            .SelectMany(r => r.FromProperty)
            .Where(p => p.PodSelector is not null)
            .Select(p => p.PodSelector.MatchLabels["app.kubernetes.io/name"]);
        Assert.Equal(["tool-execution", "audit"], callers);

        var auditEgress = PolicyOf("audit").Spec.Egress
            .SelectMany(r => r.To ?? [])
            .Where(p => p.PodSelector?.MatchLabels?.ContainsKey("app.kubernetes.io/name") == true)
            .Select(p => p.PodSelector.MatchLabels["app.kubernetes.io/name"]);
        Assert.Equal(["auth"], auditEgress);
    }

    [Fact]
    public void The_ingress_routes_only_the_public_paths_of_auth_and_tool_execution()
    {
        var ingress = Assert.Single(generated.Objects.OfType<V1Ingress>());
        var paths = ingress.Spec.Rules.SelectMany(r => r.Http.Paths).ToList();
        Assert.NotEmpty(paths);
        Assert.Equal(["auth", "tool-execution"], paths.Select(p => p.Backend.Service.Name).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(paths, p => p.Path == "/mcp" && p.PathType == "Exact" && p.Backend.Service.Name == "tool-execution");
        Assert.Contains(paths, p => p.Path == "/admin" && p.PathType == "Prefix" && p.Backend.Service.Name == "auth");
        Assert.Contains(paths, p => p.Path == "/oauth/token" && p.Backend.Service.Name == "auth");
        foreach (var path in paths)
        {
            Assert.NotEqual("/", path.Path);
            Assert.DoesNotContain(new[] { "/internal", "/metrics", "/health", "/audit" }, hidden => path.Path.StartsWith(hidden, StringComparison.Ordinal));
        }
    }

    private static string? Label(V1LabelSelector? selector, string key) =>
        selector?.MatchLabels is { } labels && labels.TryGetValue(key, out var value) ? value : null;
}
