using Platform.Deploy.Aspire;
using Platform.Deploy.Kubernetes;
using Platform.Deploy.Profile;

namespace Platform.Deploy;

/// <summary>
/// <c>[--manifest aspire-manifest.json] [--output &lt;dir&gt;]</c>: reads the Aspire manifest and writes
/// <c>&lt;dir&gt;/deploy/k8s</c> and <c>&lt;dir&gt;/deploy/overlays/in-cluster-datastores</c>. Both default to the
/// repository root (the directory above with Platform.sln). Exit codes: 0 written, 1 the manifest cannot be deployed
/// (one message, nothing written), 2 bad arguments.
/// </summary>
public static class GenerateCommand
{
    public const string Usage = "Usage: dotnet run --project deploy/Generator -- [--manifest <aspire-manifest.json>] [--output <dir>]";

    public static int Run(IReadOnlyList<string> args, string workingDirectory, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        string? manifestPath = null;
        string? outputDirectory = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--manifest" or "-m" when i + 1 < args.Count:
                    manifestPath = Path.GetFullPath(args[++i], workingDirectory);
                    break;
                case "--output" or "-o" when i + 1 < args.Count:
                    outputDirectory = Path.GetFullPath(args[++i], workingDirectory);
                    break;
                case "--help" or "-h":
                    output.WriteLine(Usage);
                    return 0;
                default:
                    error.WriteLine($"Unknown or incomplete argument '{args[i]}'. {Usage}");
                    return 2;
            }
        }

        var root = RepositoryRoot.FindFrom(workingDirectory) ?? RepositoryRoot.FindFrom(AppContext.BaseDirectory);
        manifestPath ??= root is null ? null : Path.Combine(root, AspireManifest.FileName);
        outputDirectory ??= root;
        if (manifestPath is null || outputDirectory is null)
        {
            error.WriteLine($"No {RepositoryRoot.Marker} above {workingDirectory}: pass --manifest and --output. {Usage}");
            return 2;
        }

        try
        {
            var files = KubernetesOutput.Render(AspireManifest.Load(manifestPath), PlatformProfile.Default);
            KubernetesOutput.Write(outputDirectory, files);
        }
        catch (GeneratorException e)
        {
            error.WriteLine($"error: {manifestPath}: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }

        output.WriteLine($"Wrote {string.Join(" and ", KubernetesOutput.OwnedDirectories.Select(d => Path.Combine(outputDirectory, d) + "/"))} from {manifestPath}");
        return 0;
    }
}
