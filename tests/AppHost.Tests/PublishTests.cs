using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;

namespace Platform.AppHost.Tests;

/// <summary>The AppHost in publish mode (<c>--publisher manifest</c>): what a deployment gets, and what it must not.</summary>
public sealed class PublishTests
{
    private static readonly string[] Secrets = ["admin-key", "pepper", "service-key", "postgres-server-password", "redis-password", "audit-signing-key"];

    [Fact]
    public async Task The_manifest_asks_for_containers_from_any_registry_and_for_secrets_as_parameters_and_holds_no_local_secret()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("apphost-publish-");
        try
        {
            // A data folder as a local run leaves it: the secrets a deployment must never see.
            var data = Directory.CreateDirectory(Path.Combine(folder.FullName, "data"));
            var localSecrets = new[] { "admin-key", "pepper", "service-key", "postgres.password" }
                .ToDictionary(name => name, name => $"local-{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}");
            foreach (var (name, value) in localSecrets)
            {
                await File.WriteAllTextAsync(Path.Combine(data.FullName, name), value, ct);
            }

            var manifestPath = Path.Combine(folder.FullName, "m.json");
            var (exitCode, output) = await PublishAsync(folder.FullName, manifestPath, data.FullName, ct);
            Assert.True(exitCode == 0, output);
            var text = await File.ReadAllTextAsync(manifestPath, ct);
            using var manifest = JsonDocument.Parse(text);
            var resources = manifest.RootElement.GetProperty("resources");

            foreach (var container in new[] { "postgres-server", "redis" })
            {
                var resource = resources.GetProperty(container);
                Assert.Equal("container.v0", resource.GetProperty("type").GetString());
                var image = resource.GetProperty("image").GetString()!;
                Assert.False(NamesARegistry(image), $"{container}'s image {image} names a registry");
            }

            // The services' database is one on that server.
            Assert.StartsWith("{postgres-server.connectionString}", resources.GetProperty("postgres").GetProperty("connectionString").GetString(), StringComparison.Ordinal);
            foreach (var secret in Secrets)
            {
                var resource = resources.GetProperty(secret);
                Assert.Equal("parameter.v0", resource.GetProperty("type").GetString());
                Assert.True(resource.GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean(), $"{secret} is not secret");
            }

            Assert.Equal("{admin-key.value}", resources.GetProperty("auth").GetProperty("env").GetProperty("Auth__BootstrapAdminKey").GetString());
            Assert.Empty(localSecrets.Where(s => text.Contains(s.Value, StringComparison.Ordinal)).Select(s => s.Key));
            Assert.Equal(localSecrets.Keys.Order(), data.EnumerateFileSystemInfos().Select(f => f.Name).Order());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>A first path segment with a dot or a port, or <c>localhost</c>, is a registry host (as Docker reads image names).</summary>
    private static bool NamesARegistry(string image)
    {
        var segments = image.Split('/');
        return segments.Length > 1 && (segments[0].Contains('.', StringComparison.Ordinal) || segments[0].Contains(':', StringComparison.Ordinal) || segments[0] == "localhost");
    }

    private static async Task<(int ExitCode, string Output)> PublishAsync(string workingDirectory, string manifestPath, string dataDirectory, CancellationToken ct)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "Platform.AppHost.dll"),
            "--publisher", "manifest", "--output-path", manifestPath, $"--AppHost:DataDirectory={dataDirectory}",
        })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
