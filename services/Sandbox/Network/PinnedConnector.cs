using System.Net;
using System.Net.Sockets;

namespace Platform.Sandbox.Network;

/// <summary>
/// The connection step every outbound call to a user-supplied URL goes through (<c>http_fetch</c>, webhook
/// deliveries): DNS is resolved once per connection inside the connect callback, every answer is checked against
/// <see cref="SsrfGuard"/>, and the socket connects to a checked address, so a rebinding resolver cannot swap it
/// between check and use.
/// </summary>
public sealed class PinnedConnector(FetcherSettings settings)
{
    /// <summary>
    /// A handler whose every new connection is pinned. It follows no redirects (a caller that wants them re-checks
    /// each hop itself) and uses no proxy, which would do its own DNS and connect on our behalf.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(FetcherSettings settings) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        MaxResponseHeadersLength = 64,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        ConnectCallback = new PinnedConnector(settings).ConnectAsync,
    };

    /// <summary>Why a request failed because its host resolved to a blocked address, or null for any other failure.</summary>
    public static string? BlockedReason(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BlockedAddressException blocked)
            {
                return blocked.Message;
            }
        }

        return null;
    }

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        IPAddress[] addresses = SsrfGuard.TryParseHostAddress(host, out var literal)
            ? [literal]
            : await settings.Resolve(host, cancellationToken).ConfigureAwait(false);

        if (addresses.Length == 0)
        {
            throw new BlockedAddressException($"host '{host}' did not resolve to any address");
        }

        // Any blocked answer rejects the host: a resolver that mixes public and internal answers is hostile.
        foreach (var address in addresses)
        {
            if (!settings.ExemptAddresses.Contains(address) && SsrfGuard.IsBlocked(address, out var reason))
            {
                throw new BlockedAddressException($"host '{host}' resolves to {address}, which is blocked: {reason}");
            }
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new HttpRequestException(HttpRequestError.ConnectionError, $"could not connect to '{host}'", last);
    }
}

/// <summary>Raised inside the connect callback so the refusal survives HttpClient's exception wrapping.</summary>
internal sealed class BlockedAddressException(string message) : IOException(message);
