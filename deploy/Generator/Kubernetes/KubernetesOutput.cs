using System.Text;
using k8s;
using Platform.Deploy.Planning;

namespace Platform.Deploy.Kubernetes;

/// <summary>
/// The files the generator owns, relative to the output root: the kustomize base <c>deploy/k8s</c> (one file per
/// service plus Secrets, Ingress and NetworkPolicies), the in-cluster datastores as a kustomize component inside it,
/// and the overlay <c>deploy/overlays/in-cluster-datastores</c> that adds the component to the base.
/// </summary>
public static class KubernetesOutput
{
    public const string BaseDirectory = "deploy/k8s";

    /// <summary>Beside the base, not inside it: kustomize refuses an overlay nested in the root it builds on.</summary>
    public const string DatastoresOverlayDirectory = "deploy/overlays/in-cluster-datastores";

    /// <summary>The directories the generator owns; a file in them that it did not write is stale and removed.</summary>
    public static IReadOnlyList<string> OwnedDirectories { get; } = [BaseDirectory, DatastoresOverlayDirectory];

    private const string Header = "# Generated from aspire-manifest.json by `dotnet run --project deploy/Generator`; do not edit (CI fails on drift).\n";

    /// <summary>Path to content, in a stable order, so that the same manifest gives identical bytes.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Render(Aspire.AspireManifest manifest, Profile.DeploymentProfile profile)
    {
        var plan = DeploymentPlan.From(manifest, profile);
        var version = plan.Profile.Version;

        var files = new List<KeyValuePair<string, string>> { new("secrets.yaml", Documents(Secrets.All(plan))) };
        files.AddRange(plan.Services.Select(s => new KeyValuePair<string, string>($"{s.Name}.yaml", Documents(Workloads.For(s, plan.Profile).Select(Document.Of)))));
        files.Add(new("ingress.yaml", Documents([Document.Of(Ingresses.Platform(plan))])));
        files.Add(new("network-policies.yaml", Documents(NetworkPolicies.All(plan).Select(Document.Of))));
        files.Add(new("kustomization.yaml", Header + "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" + List("resources", files.Select(f => f.Key))));

        var component = new List<KeyValuePair<string, string>>();
        if (plan.DatastoreCredentials.Entries.Count > 0)
        {
            component.Add(new("secrets.yaml", Documents([Datastores.Credentials(plan)])));
        }

        component.AddRange(plan.Datastores.Select(d => new KeyValuePair<string, string>($"{d.Name}.yaml", Documents(Datastores.For(d, version).Select(Document.Of)))));
        files.AddRange(component.Select(f => new KeyValuePair<string, string>($"{Datastores.ComponentDirectory}/{f.Key}", f.Value)));
        files.Add(new($"{Datastores.ComponentDirectory}/kustomization.yaml",
            Header + "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n" + List("resources", component.Select(f => f.Key))));

        var output = files.Select(f => new KeyValuePair<string, string>($"{BaseDirectory}/{f.Key}", f.Value)).ToList();
        output.Add(new($"{DatastoresOverlayDirectory}/kustomization.yaml",
            Header + "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" + List("resources", ["../../k8s"])
            + List("components", [$"../../k8s/{Datastores.ComponentDirectory}"])));
        return output;
    }

    /// <summary>Replaces the generated directories under <paramref name="outputRoot"/> with <paramref name="files"/>.</summary>
    public static void Write(string outputRoot, IReadOnlyList<KeyValuePair<string, string>> files)
    {
        ArgumentNullException.ThrowIfNull(files);

        // A service removed from the manifest must not leave its objects behind.
        foreach (var directory in OwnedDirectories.Select(d => Path.Combine(outputRoot, d)).Where(Directory.Exists))
        {
            foreach (var stale in Directory.EnumerateFiles(directory, "*.yaml", SearchOption.AllDirectories))
            {
                File.Delete(stale);
            }
        }

        foreach (var (name, content) in files)
        {
            var path = Path.Combine(outputRoot, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content, new UTF8Encoding(false));
        }
    }

    private static string Documents(IEnumerable<Document> documents) =>
        Header + string.Join("---\n", documents.Select(d =>
            string.Concat(d.Comments.Select(c => $"# {c}".TrimEnd() + "\n"))
            + KubernetesYaml.Serialize(d.Object).ReplaceLineEndings("\n").TrimEnd('\n') + "\n"));

    private static string List(string field, IEnumerable<string> items)
    {
        var text = new StringBuilder(field).Append(":\n");
        foreach (var item in items)
        {
            text.Append("- ").Append(item).Append('\n');
        }

        return text.ToString();
    }
}
