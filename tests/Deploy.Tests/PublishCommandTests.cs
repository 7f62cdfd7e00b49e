using Platform.AppHost.Orchestration;
using Platform.AppHost.Publishing;

namespace Platform.Deploy.Tests;

public sealed class PublishCommandTests : IDisposable
{
    private static readonly string Root = RepositoryRoot.FindFrom(AppContext.BaseDirectory)!;
    private readonly string _output = Path.Combine(Path.GetTempPath(), $"platform-publish-{Guid.NewGuid():N}");

    [Fact]
    public void Publish_with_output_writes_the_manifest_and_the_kustomize_base_there()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exitCode = PublishCommand.Run(["--output", _output], Root, stdout, stderr);

        Assert.Equal(0, exitCode);
        Assert.True(File.Exists(Path.Combine(_output, "aspire-manifest.json")));
        Assert.True(File.Exists(Path.Combine(_output, "deploy", "k8s", "kustomization.yaml")));
        Assert.Empty(stderr.ToString());
    }

    [Fact]
    public void An_unknown_argument_is_refused_with_the_usage()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exitCode = PublishCommand.Run(["--outptu", _output], Root, stdout, stderr);

        Assert.Equal(2, exitCode);
        Assert.Contains("Usage: dotnet run --project AppHost -- publish [--output <dir>]", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(_output));
    }

    [Fact]
    public void A_stale_file_in_the_base_is_removed_when_publishing_again()
    {
        PublishCommand.Publish(Root, _output);
        var stale = Path.Combine(_output, "deploy", "k8s", "removed-service.yaml");
        File.WriteAllText(stale, "kind: Deployment\n");

        PublishCommand.Publish(Root, _output);

        Assert.False(File.Exists(stale));
    }

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }
}
