using System.Net.Http;
using System.Net.Sockets;

namespace Platform.Provisioning.Containers;

/// <summary>
/// Asks the Docker engine for <c>/_ping</c> with a short timeout before Testcontainers is touched,
/// because Testcontainers' own discovery can take long to fail where no engine runs.
/// </summary>
internal static class DockerProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private static Task<bool>? _answer;

    public static Task<bool> EngineAnswersAsync() => _answer ??= ProbeAsync();

    private static async Task<bool> ProbeAsync()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        try
        {
            if (string.IsNullOrEmpty(host) || host.StartsWith("unix://", StringComparison.Ordinal))
            {
                var socketPath = string.IsNullOrEmpty(host) ? "/var/run/docker.sock" : host["unix://".Length..];
                return File.Exists(socketPath) && await PingAsync(new Uri("http://docker/_ping"), socketPath).ConfigureAwait(false);
            }

            if (host.StartsWith("tcp://", StringComparison.Ordinal))
            {
                return await PingAsync(new Uri($"http://{host["tcp://".Length..]}/_ping"), unixSocket: null).ConfigureAwait(false);
            }

            return false;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }

    private static async Task<bool> PingAsync(Uri uri, string? unixSocket)
    {
        using var handler = new SocketsHttpHandler();
        if (unixSocket is not null)
        {
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(unixSocket), ct).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            };
        }

        using var client = new HttpClient(handler) { Timeout = Timeout };
        using var response = await client.GetAsync(uri).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }
}
