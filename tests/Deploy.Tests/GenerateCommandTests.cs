using System.Diagnostics;
using System.Text.Json.Nodes;
using Platform.Deploy.Aspire;

namespace Platform.Deploy.Tests;

/// <summary><c>dotnet run --project deploy/Generator -- [--manifest …] [--output …]</c>.</summary>
public sealed class GenerateCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"platform-generate-{Guid.NewGuid():N}");

    private string Output => Path.Combine(_directory, "out");

    [Fact]
    public void Generate_with_output_writes_the_base_and_the_overlay_there()
    {
        var (exitCode, stdout, stderr) = Run("--manifest", Repository.ManifestPath, "--output", Output);

        Assert.Equal(0, exitCode);
        Assert.Empty(stderr);
        Assert.Contains("Wrote", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Output, "deploy", "k8s", "kustomization.yaml")));
        Assert.True(File.Exists(Path.Combine(Output, "deploy", "k8s", "components", "datastores", "kustomization.yaml")));
        Assert.True(File.Exists(Path.Combine(Output, "deploy", "overlays", "in-cluster-datastores", "kustomization.yaml")));
    }

    [Fact]
    public void Without_arguments_it_reads_and_writes_the_repository_it_is_run_in()
    {
        // A copy of the repository's shape: Platform.sln and aspire-manifest.json, run from a folder below it.
        Directory.CreateDirectory(Path.Combine(_directory, "services"));
        File.WriteAllText(Path.Combine(_directory, "Platform.sln"), "");
        File.Copy(Repository.ManifestPath, Path.Combine(_directory, AspireManifest.FileName));

        var (exitCode, _, stderr) = Run(Path.Combine(_directory, "services"), []);

        Assert.True(exitCode == 0, stderr);
        Assert.True(File.Exists(Path.Combine(_directory, "deploy", "k8s", "secrets.yaml")));
    }

    [Fact]
    public void An_unknown_argument_is_refused_with_the_usage()
    {
        var (exitCode, _, stderr) = Run("--outptu", Output);

        Assert.Equal(2, exitCode);
        Assert.Contains(GenerateCommand.Usage, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Output));
    }

    [Fact]
    public void A_stale_file_in_a_generated_directory_is_removed_and_other_overlays_are_kept()
    {
        Assert.Equal(0, Run("--manifest", Repository.ManifestPath, "--output", Output).ExitCode);
        var stale = Path.Combine(Output, "deploy", "k8s", "removed-service.yaml");
        var staleOverlay = Path.Combine(Output, "deploy", "overlays", "in-cluster-datastores", "old.yaml");
        var operatorsOverlay = Path.Combine(Output, "deploy", "overlays", "production", "kustomization.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(operatorsOverlay)!);
        foreach (var file in new[] { stale, staleOverlay, operatorsOverlay })
        {
            File.WriteAllText(file, "kind: Kustomization\n");
        }

        Assert.Equal(0, Run("--manifest", Repository.ManifestPath, "--output", Output).ExitCode);

        Assert.False(File.Exists(stale));
        Assert.False(File.Exists(staleOverlay));
        Assert.True(File.Exists(operatorsOverlay));
    }

    [Fact]
    public void A_resource_of_an_unknown_type_gets_a_clear_error_and_nothing_is_written()
    {
        var manifest = Variant(resources => resources["builder"] = new JsonObject { ["type"] = "executable.v0", ["command"] = "make" });

        var (exitCode, stdout, stderr) = Run("--manifest", manifest, "--output", Output);

        Assert.Equal(1, exitCode);
        Assert.Empty(stdout);
        Assert.Equal(
            $"error: {manifest}: resource 'builder' has type 'executable.v0', which the generator cannot deploy (it knows project.v0, container.v0, parameter.v0, value.v0, annotated.string). "
            + "Leave the resource out of the published manifest (ExcludeFromManifest) or teach deploy/Generator its Kubernetes form.\n",
            stderr);
        Assert.False(Directory.Exists(Output));
    }

    [Theory]
    [InlineData("{nowhere.connectionString}", "audit: env Extra: cannot resolve \"{nowhere.connectionString}\": there is no resource 'nowhere' in the manifest.")]
    [InlineData("{auth.bindings.https.url}", "audit: env Extra: cannot resolve \"{auth.bindings.https.url}\": 'auth' has no binding 'https'.")]
    [InlineData("{auth.bindings.http.address}", "audit: env Extra: cannot resolve \"{auth.bindings.http.address}\": a binding has no property 'address' (host, port, targetPort, scheme, url).")]
    [InlineData("{pepper.connectionString}", "audit: env Extra: cannot resolve \"{pepper.connectionString}\": 'pepper' is a parameter.v0 resource, which has no 'connectionString'.")]
    public void An_unresolvable_expression_gets_a_clear_error_that_names_where_it_is(string expression, string message)
    {
        var manifest = Variant(resources => resources["audit"]!["env"]!["Extra"] = expression);

        var (exitCode, _, stderr) = Run("--manifest", manifest, "--output", Output);

        Assert.Equal(1, exitCode);
        Assert.Equal($"error: {manifest}: {message}\n", stderr);
        Assert.False(Directory.Exists(Output));
    }

    [Fact]
    public void A_manifest_error_leaves_the_previous_output_untouched()
    {
        Assert.Equal(0, Run("--manifest", Repository.ManifestPath, "--output", Output).ExitCode);
        var before = Snapshot();
        var manifest = Variant(resources => resources["tool-execution"]!["env"]!["services__auth__http__0"] = "{auth.bindings.grpc.url}");

        Assert.Equal(1, Run("--manifest", manifest, "--output", Output).ExitCode);

        Assert.Equal(before, Snapshot());
    }

    [Theory]
    [InlineData("{ \"resources\": ", "not valid JSON")]
    [InlineData("[]", "not an Aspire manifest")]
    [InlineData("{ \"resources\": { \"auth\": { \"type\": \"project.v0\" } } }", "resource 'auth' has no \"path\"")]
    [InlineData("{ \"resources\": { \"auth\": 5 } }", "resource 'auth' must be an object.")]
    [InlineData("{ \"resources\": { \"x\": { \"type\": \"value.v0\", \"connectionString\": \"\" }, \"x\": { \"type\": \"value.v0\", \"connectionString\": \"\" } } }", "resource 'x' appears more than once.")]
    [InlineData("{ \"resources\": { \"auth\": { \"type\": \"project.v0\", \"path\": \"a.csproj\", \"env\": { \"PORT\": 8080 } } } }", "resource 'auth.env': \"PORT\" must be a string.")]
    public void A_broken_manifest_gets_a_clear_error(string json, string message)
    {
        Directory.CreateDirectory(_directory);
        var manifest = Path.Combine(_directory, "broken.json");
        File.WriteAllText(manifest, json);

        var (exitCode, _, stderr) = Run("--manifest", manifest, "--output", Output);

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"error: {manifest}: {message}", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_manifest_gets_a_clear_error()
    {
        var (exitCode, _, stderr) = Run("--manifest", Path.Combine(_directory, "none.json"), "--output", Output);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("error: Could not find", stderr, StringComparison.Ordinal);
    }

    /// <summary>The real command line: the message on stderr, exit code 1, no unhandled exception and no stack trace.</summary>
    [Fact]
    public async Task The_generator_process_reports_a_bad_manifest_in_one_line_without_a_stack_trace()
    {
        var manifest = Variant(resources => resources["builder"] = new JsonObject { ["type"] = "dockerfile.v0", ["path"] = "Dockerfile" });
        var generator = Path.Combine(AppContext.BaseDirectory, "Platform.Deploy.Generator.dll");
        Assert.True(File.Exists(generator), $"{generator} is missing");

        var (exitCode, stdout, stderr) = await Tool.RunAsync("dotnet", generator, "--manifest", manifest, "--output", Output);

        Assert.Equal(1, exitCode);
        Assert.Empty(stdout);
        Assert.StartsWith($"error: {manifest}: resource 'builder' has type 'dockerfile.v0'", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => Run(Repository.Root, args);

    private static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        stdout.NewLine = stderr.NewLine = "\n";
        var exitCode = GenerateCommand.Run(args, workingDirectory, stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The committed manifest with one change, written beside the test's output.</summary>
    private string Variant(Action<JsonObject> change)
    {
        var manifest = Repository.ManifestJson();
        change(manifest["resources"]!.AsObject());
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, AspireManifest.FileName);
        File.WriteAllText(path, manifest.ToJsonString());
        return path;
    }

    private Dictionary<string, string> Snapshot() => Directory.EnumerateFiles(Path.Combine(Output, "deploy"), "*", SearchOption.AllDirectories)
        .ToDictionary(f => f, File.ReadAllText);
}
