using k8s;
using k8s.Models;
using Platform.Deploy.Profile;
using YamlDotNet.RepresentationModel;

namespace Platform.Deploy.Tests;

public sealed class RenderedObjectsTests(GeneratedOutput generated) : IClassFixture<GeneratedOutput>
{
    [Fact]
    public void Kubectl_kustomize_renders_the_base_offline()
    {
        Assert.True(generated.KustomizeExitCode == 0, generated.KustomizeError);
        Assert.NotEmpty(generated.Objects);
    }

    [Theory]
    [InlineData("base")]
    [InlineData("in-cluster datastores overlay")]
    public void Every_rendered_object_parses_strictly_into_the_typed_model_of_its_kind(string render)
    {
        var (yaml, objects) = render == "base" ? (generated.RenderedYaml, generated.Objects) : (generated.OverlayYaml, generated.OverlayObjects);
        var documents = Documents(yaml);
        Assert.Equal(documents.Count, objects.Count);
        foreach (var (document, typed) in documents.Zip(objects))
        {
            Assert.StartsWith("k8s.Models.", typed.GetType().FullName, StringComparison.Ordinal);
            typed.GetType().GetMethod("Validate")?.Invoke(typed, null);

            // A field the typed model does not know would be dropped here, so a round trip catches misspelt or
            // misplaced fields that strict parsing alone might let through.
            var roundTripped = Documents(KubernetesYaml.Serialize(typed)).Single();
            Assert.Equal(Canonical(document), Canonical(roundTripped));
        }
    }

    [Fact]
    public void The_base_has_a_deployment_service_and_disruption_budget_per_service_and_an_autoscaler_for_tool_execution()
    {
        var services = ManifestFacts.Projects(generated.Manifest);
        Assert.Equal(["auth", "tool-execution", "audit"], services);
        // kubectl kustomize orders objects by kind and name.
        var expected = services.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, generated.Objects.OfType<V1Deployment>().Select(d => d.Metadata.Name));
        Assert.Equal(expected, generated.Objects.OfType<V1Service>().Select(s => s.Metadata.Name));
        Assert.Equal(expected, generated.Objects.OfType<V1PodDisruptionBudget>().Select(p => p.Metadata.Name));

        var autoscaler = Assert.Single(generated.Objects.OfType<V2HorizontalPodAutoscaler>());
        Assert.Equal("tool-execution", autoscaler.Spec.ScaleTargetRef.Name);
    }

    /// <summary>The profile's scale: auth 2, audit 1 (the chain has a single writer), tool-execution left to its HPA.</summary>
    [Fact]
    public void Replicas_and_disruption_budgets_never_block_a_node_drain()
    {
        var deployments = generated.Objects.OfType<V1Deployment>().ToDictionary(d => d.Metadata.Name);
        Assert.Equal(2, deployments["auth"].Spec.Replicas);
        Assert.Equal(1, deployments["audit"].Spec.Replicas);
        Assert.Null(deployments["tool-execution"].Spec.Replicas);
        var autoscaler = Assert.Single(generated.Objects.OfType<V2HorizontalPodAutoscaler>());
        Assert.Equal((2, 10), (autoscaler.Spec.MinReplicas, autoscaler.Spec.MaxReplicas));

        foreach (var budget in generated.Objects.OfType<V1PodDisruptionBudget>())
        {
            var fewest = deployments[budget.Metadata.Name].Spec.Replicas ?? autoscaler.Spec.MinReplicas;
            if (budget.Spec.MinAvailable is { } minAvailable)
            {
                Assert.True(int.Parse(minAvailable.Value, System.Globalization.CultureInfo.InvariantCulture) < fewest, budget.Metadata.Name);
                Assert.Null(budget.Spec.MaxUnavailable);
            }
            else
            {
                Assert.Equal("1", budget.Spec.MaxUnavailable?.Value);
            }
        }
    }

    [Fact]
    public void Every_object_carries_the_recommended_labels()
    {
        foreach (var metadata in generated.Objects.OfType<IKubernetesObject<V1ObjectMeta>>().Select(o => o.Metadata))
        {
            Assert.Contains("app.kubernetes.io/name", metadata.Labels.Keys);
            Assert.Equal("platform", metadata.Labels["app.kubernetes.io/part-of"]);
            Assert.Equal(PlatformProfile.Default.Version, metadata.Labels["app.kubernetes.io/version"]);
        }
    }

    private static List<YamlNode> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => d.RootNode)];
    }

    /// <summary>Key order and quoting differ between kubectl and the serializer; the content must not.</summary>
    private static string Canonical(YamlNode node) => node switch
    {
        YamlMappingNode map => "{" + string.Join(",", map.Children
            .Select(c => $"{Canonical(c.Key)}:{Canonical(c.Value)}")
            .Order(StringComparer.Ordinal)) + "}",
        YamlSequenceNode sequence => "[" + string.Join(",", sequence.Children.Select(Canonical)) + "]",
        YamlScalarNode scalar => scalar.Value ?? "",
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };
}
