using Platform.AppHost.Publishing.Kubernetes;

namespace Platform.AppHost.Publishing;

/// <summary><c>publish [--output &lt;dir&gt;]</c>: aspire-manifest.json and deploy/k8s, from the model <c>run</c> uses.</summary>
public static class PublishCommand
{
    public static int Run(IReadOnlyList<string> args, string repositoryRoot, TextWriter output, TextWriter error)
    {
        var outputDirectory = repositoryRoot;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is "--output" or "-o" && i + 1 < args.Count)
            {
                outputDirectory = Path.GetFullPath(args[++i]);
            }
            else
            {
                error.WriteLine($"Unknown argument '{args[i]}'. Usage: dotnet run --project AppHost -- publish [--output <dir>]");
                return 2;
            }
        }

        Publish(repositoryRoot, outputDirectory);
        output.WriteLine($"Wrote {Path.Combine(outputDirectory, AspireManifest.FileName)} and {Path.Combine(outputDirectory, KustomizeBase.Directory)}/");
        return 0;
    }

    public static void Publish(string repositoryRoot, string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        AspireManifest.Write(repositoryRoot, outputDirectory);
        KustomizeBase.Write(outputDirectory);
    }
}
