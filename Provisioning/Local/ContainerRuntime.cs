using System.Net.Sockets;

namespace Platform.Provisioning.Local;

/// <summary>
/// Whether a Docker engine answers <c>/_ping</c> within two seconds. Aspire's own check happens only when a container
/// starts, too late to choose the machine's binaries instead.
/// </summary>
internal static class ContainerRuntime
{
    private static readonly Lazy<bool> Answer = new(Probe);

    public static bool Answers => Answer.Value;

    private static bool Probe()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrEmpty(host) && !host.StartsWith("unix://", StringComparison.Ordinal))
        {
            // A remote engine is the operator's choice; Aspire reports plainly if it does not answer.
            return true;
        }

        var socketPath = string.IsNullOrEmpty(host) ? "/var/run/docker.sock" : host["unix://".Length..];
        if (!File.Exists(socketPath))
        {
            return false;
        }

        try
        {
            using var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
            using var response = client.GetAsync(new Uri("http://docker/_ping")).GetAwaiter().GetResult();
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }
}
