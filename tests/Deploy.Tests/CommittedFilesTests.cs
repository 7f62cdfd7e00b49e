using Platform.AppHost.Publishing;
using Platform.AppHost.Publishing.Kubernetes;

namespace Platform.Deploy.Tests;

/// <summary>The same drift check CI runs (eng/publish-check.sh), so a stale commit fails locally too.</summary>
public sealed class CommittedFilesTests(PublishedOutput published) : IClassFixture<PublishedOutput>
{
    [Fact]
    public void The_committed_manifest_matches_a_fresh_publish()
    {
        var committed = File.ReadAllText(Path.Combine(published.RepositoryRoot, AspireManifest.FileName));
        Assert.Equal(AspireManifest.Render(published.RepositoryRoot, published.RepositoryRoot), committed);
    }

    [Fact]
    public void The_committed_kustomize_base_matches_a_fresh_publish()
    {
        var directory = Path.Combine(published.RepositoryRoot, KustomizeBase.Directory);
        var rendered = KustomizeBase.Render();
        // Everything under deploy/k8s is generated; the overlay beside it ("../") is compared file by file below.
        Assert.Equal(
            rendered.Select(f => f.Key).Where(k => !k.StartsWith("../", StringComparison.Ordinal)).Order(StringComparer.Ordinal),
            Directory.EnumerateFiles(directory, "*.yaml", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(directory, f).Replace('\\', '/')).Order(StringComparer.Ordinal));
        foreach (var (name, content) in rendered)
        {
            Assert.Equal(content, File.ReadAllText(Path.Combine(directory, name)));
        }
    }

    [Fact]
    public void Publishing_twice_gives_identical_bytes()
    {
        Assert.Equal(AspireManifest.Render(published.RepositoryRoot, published.Directory), AspireManifest.Render(published.RepositoryRoot, published.Directory));
        Assert.Equal(KustomizeBase.Render(), KustomizeBase.Render());
    }
}
