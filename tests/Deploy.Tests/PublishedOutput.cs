using System.Text.Json.Nodes;
using k8s;
using Platform.AppHost.Orchestration;
using Platform.AppHost.Publishing;
using Platform.AppHost.Publishing.Kubernetes;

namespace Platform.Deploy.Tests;

/// <summary>One <c>publish</c> into a temp directory, rendered with <c>kubectl kustomize</c>, shared by a test class.</summary>
public sealed class PublishedOutput : IAsyncLifetime
{
    public string RepositoryRoot { get; } = AppHost.Orchestration.RepositoryRoot.FindFrom(AppContext.BaseDirectory)
        ?? throw new DirectoryNotFoundException("repository root not found");

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"platform-publish-{Guid.NewGuid():N}");

    public string KustomizeDirectory => Path.Combine(Directory, KustomizeBase.Directory);

    public JsonObject Manifest { get; private set; } = [];

    public string RenderedYaml { get; private set; } = "";

    public int KustomizeExitCode { get; private set; }

    public string KustomizeError { get; private set; } = "";

    /// <summary>Every rendered object in the KubernetesClient typed model of its kind.</summary>
    public IReadOnlyList<object> Objects { get; private set; } = [];

    /// <summary>The overlay that adds the in-cluster datastores component, rendered the same way.</summary>
    public string OverlayYaml { get; private set; } = "";

    public IReadOnlyList<object> OverlayObjects { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        PublishCommand.Publish(RepositoryRoot, Directory);
        Manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Directory, AspireManifest.FileName)))!.AsObject();
        (KustomizeExitCode, RenderedYaml, KustomizeError) = await Tool.RunAsync("kubectl", "kustomize", KustomizeDirectory);
        if (KustomizeExitCode == 0)
        {
            Objects = KubernetesYaml.LoadAllFromString(RenderedYaml, strict: true);
        }

        var overlay = Path.GetFullPath(Path.Combine(KustomizeDirectory, Datastores.OverlayDirectory));
        var (overlayExit, overlayYaml, overlayError) = await Tool.RunAsync("kubectl", "kustomize", overlay);
        OverlayYaml = overlayExit == 0 ? overlayYaml : throw new InvalidOperationException($"kubectl kustomize {overlay}: {overlayError}");
        OverlayObjects = KubernetesYaml.LoadAllFromString(OverlayYaml, strict: true);
    }

    public ValueTask DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
