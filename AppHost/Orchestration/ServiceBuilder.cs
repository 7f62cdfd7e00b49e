using System.Diagnostics;
using Platform.AppHost.Model;

namespace Platform.AppHost.Orchestration;

/// <summary>Builds each service once and finds the assembly to run, so children start with <c>dotnet &lt;dll&gt;</c> and not <c>dotnet run</c>.</summary>
internal static class ServiceBuilder
{
    public static async Task<string> BuildAsync(ServiceResource service, AppHostOptions options, Action<string> log, CancellationToken ct)
    {
        var project = ProjectPath(service, options);
        if (options.BuildServices)
        {
            log($"building {service.Name} ({Path.GetRelativePath(options.RepositoryRoot, project)})");
            var build = await DotnetAsync(["build", project, "-c", options.BuildConfiguration, "--nologo", "-v", "q", "-clp:NoSummary;ErrorsOnly"], ct);
            if (build.ExitCode != 0)
            {
                throw new AppHostException($"Building {service.Name} failed:\n{build.Output.Trim()}");
            }
        }

        var targetPath = await DotnetAsync(["msbuild", project, "-getProperty:TargetPath", $"-p:Configuration={options.BuildConfiguration}", "-nologo"], ct);
        var dll = targetPath.Output.Trim();
        if (targetPath.ExitCode != 0 || !File.Exists(dll))
        {
            throw new AppHostException($"No built assembly for {service.Name} at '{dll}'. Build {project} ({options.BuildConfiguration}) first.");
        }

        return dll;
    }

    public static string ProjectPath(ServiceResource service, AppHostOptions options)
    {
        var project = Path.GetFullPath(service.ProjectPath, options.RepositoryRoot);
        return File.Exists(project)
            ? project
            : throw new AppHostException($"The project of {service.Name} does not exist: {project}");
    }

    private static async Task<(int ExitCode, string Output)> DotnetAsync(IEnumerable<string> arguments, CancellationToken ct)
    {
        var info = new ProcessStartInfo(DotnetHost.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}

internal static class DotnetHost
{
    /// <summary>The SDK sets DOTNET_HOST_PATH under <c>dotnet run</c>/<c>dotnet test</c>; otherwise dotnet from PATH.</summary>
    public static string Path =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}

/// <summary>A failure the AppHost explains in one message and exits non-zero for; no stack trace is useful.</summary>
public sealed class AppHostException(string message) : Exception(message);
