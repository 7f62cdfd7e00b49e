using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Platform.Sandbox.Network;

namespace Platform.ToolExecution.Upstreams;

/// <summary>
/// One upstream MCP server: keeps a client connected (restarting a crashed stdio server with backoff), publishes its
/// tools as <c>&lt;name&gt;.&lt;tool&gt;</c>, and runs calls within the upstream's timeout, output and concurrency caps.
/// Disposing the client ends the process tree; bubblewrap's PID namespace and <c>--die-with-parent</c> cover a crash
/// of this service too.
/// </summary>
internal sealed partial class UpstreamConnection(
    string name, UpstreamOptions options, UpstreamToolRegistry tools, TimeProvider time,
    ILoggerFactory loggers) : IDisposable
{
    // A server that stayed up this long is considered recovered, so its next crash restarts it quickly again.
    private static readonly TimeSpan Healthy = TimeSpan.FromMinutes(1);

    private readonly ILogger _logger = loggers.CreateLogger<UpstreamConnection>();
    private readonly SemaphoreSlim _concurrency = new(Math.Max(1, options.MaxConcurrency));
    private volatile McpClient? _client;

    public string Name => name;

    public async Task SuperviseAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            var started = time.GetTimestamp();
            McpClient? client = null;
            try
            {
                client = await McpClient.CreateAsync(CreateTransport(), loggerFactory: loggers, cancellationToken: stopping);
                Publish(await client.ListToolsAsync(cancellationToken: stopping));
                _client = client;
                LogConnected(name);
                await client.Completion.WaitAsync(stopping);
                LogExited(name);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogFailed(name, ex.GetType().Name);
            }
            finally
            {
                _client = null;
                if (client is not null)
                {
                    await client.DisposeAsync();
                }
            }

            failures = time.GetElapsedTime(started) > Healthy ? 1 : failures + 1;
            var backoff = TimeSpan.FromMilliseconds(Math.Min(options.MaxRestartBackoff.TotalMilliseconds, 250 * Math.Pow(2, failures - 1)));
            try
            {
                await Task.Delay(backoff, time, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public async ValueTask<CallToolResult> CallAsync(string tool, IDictionary<string, JsonElement>? arguments, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await _concurrency.WaitAsync(linked.Token);
            try
            {
                if (_client is not { } client)
                {
                    return Error($"upstream '{name}' is not running; it is being restarted.");
                }

                var result = await client.CallToolAsync(new CallToolRequestParams { Name = tool, Arguments = arguments }, linked.Token);
                var size = JsonSerializer.SerializeToUtf8Bytes(result, McpJsonUtilities.DefaultOptions).Length;
                return size <= options.MaxOutputBytes
                    ? result
                    : Error($"upstream '{name}' answered with {size} bytes; the limit is {options.MaxOutputBytes}.");
            }
            finally
            {
                _concurrency.Release();
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Error($"upstream '{name}' did not answer within {options.Timeout.TotalSeconds:0.#} s.");
        }
        catch (McpProtocolException ex)
        {
            return Error($"upstream '{name}' refused the call: {ex.Message}");
        }
        catch (Exception ex) when (ex is McpException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            return Error($"upstream '{name}' failed during the call; it will be restarted.");
        }
    }

    public void Dispose() => _concurrency.Dispose();

    private void Publish(IList<McpClientTool> upstreamTools)
    {
        foreach (var upstream in upstreamTools)
        {
            tools.Publish(new UpstreamTool(this, upstream.ProtocolTool, $"{name}.{upstream.Name}"));
        }
    }

    private IClientTransport CreateTransport()
    {
        if (options.Url is { } url)
        {
            if (!options.AllowPrivateAddress && !SsrfGuard.TryValidateUrl(url.AbsoluteUri, out _, out var reason))
            {
                throw new InvalidOperationException($"upstream URL refused: {reason}");
            }

            return new HttpClientTransport(new HttpClientTransportOptions { Endpoint = url, Name = name }, loggers);
        }

        var bwrap = StdioLaunch.Which("bwrap");
        if (bwrap is null)
        {
            LogUnsandboxed(name);
        }

        var line = StdioLaunch.Build(options, bwrap, StdioLaunch.Which("prlimit") ?? "prlimit");
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
        };
        foreach (var (key, value) in options.Env)
        {
            environment[key] = value;
        }

        return new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = name,
            Command = line.Command,
            Arguments = [.. line.Arguments],
            InheritEnvironmentVariables = false,
            EnvironmentVariables = environment,
            WorkingDirectory = options.WorkingDirectory,
            ShutdownTimeout = TimeSpan.FromSeconds(2),
        }, loggers);
    }

    private static CallToolResult Error(string message) => new() { IsError = true, Content = [new TextContentBlock { Text = message }] };

    [LoggerMessage(Level = LogLevel.Information, Message = "Upstream {Upstream} connected")]
    private partial void LogConnected(string upstream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {Upstream} exited; restarting with backoff")]
    private partial void LogExited(string upstream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {Upstream} could not be started or listed ({Error}); retrying with backoff")]
    private partial void LogFailed(string upstream, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "bwrap is not installed: upstream {Upstream} runs with rlimits and a scrubbed environment but without a sandbox or network isolation")]
    private partial void LogUnsandboxed(string upstream);
}
