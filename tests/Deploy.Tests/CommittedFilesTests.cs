using Platform.Deploy.Aspire;
using Platform.Deploy.Kubernetes;
using Platform.Deploy.Profile;

namespace Platform.Deploy.Tests;

/// <summary>The same drift check CI runs for the Kubernetes files (eng/publish-check.sh), so a stale commit fails locally too.</summary>
public sealed class CommittedFilesTests
{
    [Fact]
    public void The_committed_deploy_files_are_what_the_generator_makes_of_the_committed_manifest()
    {
        var rendered = KubernetesOutput.Render(AspireManifest.Load(Repository.ManifestPath), PlatformProfile.Default);
        var committed = KubernetesOutput.OwnedDirectories
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(Repository.Root, d), "*.yaml", SearchOption.AllDirectories))
            .Select(f => Path.GetRelativePath(Repository.Root, f).Replace('\\', '/'));
        Assert.Equal(rendered.Select(f => f.Key).Order(StringComparer.Ordinal), committed.Order(StringComparer.Ordinal));
        foreach (var (path, content) in rendered)
        {
            Assert.True(content == File.ReadAllText(Path.Combine(Repository.Root, path)), $"{path} is stale: run `dotnet run --project deploy/Generator` and commit it");
        }
    }

    [Fact]
    public void Generating_twice_gives_identical_bytes()
    {
        var manifest = AspireManifest.Load(Repository.ManifestPath);
        Assert.Equal(KubernetesOutput.Render(manifest, PlatformProfile.Default), KubernetesOutput.Render(manifest, PlatformProfile.Default));
    }
}
