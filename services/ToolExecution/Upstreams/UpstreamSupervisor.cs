using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace Platform.ToolExecution.Upstreams;

/// <summary>Starts and supervises every configured upstream for the service's lifetime; stopping the service ends them.</summary>
internal sealed partial class UpstreamSupervisor(
    IConfiguration configuration, UpstreamToolRegistry tools, TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    private readonly List<UpstreamConnection> _connections = [];

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var section in configuration.GetSection(UpstreamOptions.Section).GetChildren())
        {
            var options = section.Get<UpstreamOptions>() ?? new UpstreamOptions();
            if (!UpstreamName().IsMatch(section.Key) || (options.Command is null) == (options.Url is null))
            {
                throw new InvalidOperationException(
                    $"Upstreams:{section.Key} needs a name of letters, digits, '-' or '_', and exactly one of Command or Url.");
            }

            if (options.WritableFolders.FirstOrDefault(f => !IsPlainAbsolutePath(f)) is { } folder)
            {
                throw new InvalidOperationException(
                    $"Upstreams:{section.Key}:WritableFolders needs absolute paths without '.' or '..' segments; '{folder}' is not one.");
            }

            _connections.Add(new UpstreamConnection(section.Key, options, tools, time, loggers));
        }

        return Task.WhenAll(_connections.Select(c => c.SuperviseAsync(stoppingToken)));
    }

    /// <summary>A writable bind is a hole in the read-only sandbox: only an exact, absolute folder may open one.</summary>
    internal static bool IsPlainAbsolutePath(string path) =>
        Path.IsPathFullyQualified(path) && !path.Split('/').Any(segment => segment is "." or "..");

    public override void Dispose()
    {
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }

        base.Dispose();
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex UpstreamName();
}

internal static class UpstreamRegistration
{
    public static IMcpServerBuilder WithUpstreams(this IMcpServerBuilder server)
    {
        server.Services.AddSingleton<UpstreamToolRegistry>();
        server.Services.AddSingleton<IPostConfigureOptions<McpServerOptions>>(sp => sp.GetRequiredService<UpstreamToolRegistry>());
        server.Services.AddHostedService<UpstreamSupervisor>();
        return server;
    }
}
