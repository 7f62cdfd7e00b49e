using k8s;
using k8s.Models;
using Platform.AppHost.Model;
using YamlDotNet.RepresentationModel;

namespace Platform.Deploy.Tests;

public sealed class RenderedObjectsTests(PublishedOutput published) : IClassFixture<PublishedOutput>
{
    [Fact]
    public void Kubectl_kustomize_renders_the_base_offline()
    {
        Assert.True(published.KustomizeExitCode == 0, published.KustomizeError);
        Assert.NotEmpty(published.Objects);
    }

    [Theory]
    [InlineData("base")]
    [InlineData("in-cluster datastores overlay")]
    public void Every_rendered_object_parses_strictly_into_the_typed_model_of_its_kind(string render)
    {
        var (yaml, objects) = render == "base" ? (published.RenderedYaml, published.Objects) : (published.OverlayYaml, published.OverlayObjects);
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
        foreach (var service in PlatformModel.Services)
        {
            Assert.Contains(published.Objects.OfType<V1Deployment>(), d => d.Metadata.Name == service.Name);
            Assert.Contains(published.Objects.OfType<V1Service>(), s => s.Metadata.Name == service.Name);
            Assert.Contains(published.Objects.OfType<V1PodDisruptionBudget>(), p => p.Metadata.Name == service.Name);
        }

        var autoscaler = Assert.Single(published.Objects.OfType<V2HorizontalPodAutoscaler>());
        Assert.Equal("tool-execution", autoscaler.Spec.ScaleTargetRef.Name);
    }

    [Fact]
    public void Every_object_carries_the_recommended_labels()
    {
        foreach (var metadata in published.Objects.OfType<IKubernetesObject<V1ObjectMeta>>().Select(o => o.Metadata))
        {
            Assert.Contains("app.kubernetes.io/name", metadata.Labels.Keys);
            Assert.Equal("platform", metadata.Labels["app.kubernetes.io/part-of"]);
            Assert.Equal(PlatformModel.Version, metadata.Labels["app.kubernetes.io/version"]);
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
