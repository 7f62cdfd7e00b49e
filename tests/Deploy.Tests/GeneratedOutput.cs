using System.Text.Json.Nodes;
using k8s;
using Platform.Deploy.Kubernetes;

namespace Platform.Deploy.Tests;

/// <summary>
/// The generator run on the committed aspire-manifest.json into a temp directory, the base and the in-cluster
/// datastores overlay rendered with <c>kubectl kustomize</c>, shared by a test class.
/// </summary>
public sealed class GeneratedOutput : IAsyncLifetime
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"platform-deploy-{Guid.NewGuid():N}");

    public string BaseDirectory => Path.Combine(Directory, KubernetesOutput.BaseDirectory);

    public string OverlayDirectory => Path.Combine(Directory, KubernetesOutput.DatastoresOverlayDirectory);

    /// <summary>The committed manifest, read as plain JSON (independently of the generator's reader).</summary>
    public JsonObject Manifest { get; } = Repository.ManifestJson();

    public string RenderedYaml { get; private set; } = "";

    public int KustomizeExitCode { get; private set; }

    public string KustomizeError { get; private set; } = "";

    /// <summary>Every rendered object of the base in the KubernetesClient typed model of its kind.</summary>
    public IReadOnlyList<object> Objects { get; private set; } = [];

    /// <summary>The overlay that adds the in-cluster datastores component, rendered the same way.</summary>
    public string OverlayYaml { get; private set; } = "";

    public IReadOnlyList<object> OverlayObjects { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = GenerateCommand.Run(["--manifest", Repository.ManifestPath, "--output", Directory], Repository.Root, output, error);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"the generator failed ({exitCode}): {error}");
        }

        (KustomizeExitCode, RenderedYaml, KustomizeError) = await Tool.RunAsync("kubectl", "kustomize", BaseDirectory);
        if (KustomizeExitCode == 0)
        {
            Objects = KubernetesYaml.LoadAllFromString(RenderedYaml, strict: true);
        }

        var (overlayExit, overlayYaml, overlayError) = await Tool.RunAsync("kubectl", "kustomize", OverlayDirectory);
        OverlayYaml = overlayExit == 0 ? overlayYaml : throw new InvalidOperationException($"kubectl kustomize {OverlayDirectory}: {overlayError}");
        OverlayObjects = KubernetesYaml.LoadAllFromString(OverlayYaml, strict: true);
    }

    public ValueTask DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
