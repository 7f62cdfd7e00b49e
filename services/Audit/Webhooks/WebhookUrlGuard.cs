using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Platform.Audit.Webhooks;

/// <summary>Decides whether a webhook URL may be called. Returns null when allowed, else the reason.</summary>
public interface IWebhookUrlGuard
{
    Task<string?> RejectReasonAsync(Uri url, CancellationToken ct);
}

/// <summary>
/// A minimal SSRF guard until the shared Sandbox <c>SsrfGuard</c> lands: http/https only, and every address the
/// host resolves to must be public (no loopback, private, link-local, CGNAT, IPv6 ULA, multicast or unspecified).
/// </summary>
public sealed class WebhookUrlGuard(IOptions<WebhookOptions> options) : IWebhookUrlGuard
{
    public async Task<string?> RejectReasonAsync(Uri url, CancellationToken ct)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            return "the URL must be absolute http or https";
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            return "the URL must not carry credentials";
        }

        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(url.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(url.IdnHost, ct).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            return "the host does not resolve";
        }

        if (addresses.Length == 0)
        {
            return "the host does not resolve";
        }

        foreach (var address in addresses)
        {
            if (IPAddress.IsLoopback(address) && options.Value.AllowLoopbackForTests)
            {
                continue;
            }

            if (!IsPublic(address))
            {
                return $"the host resolves to a non-public address ({address})";
            }
        }

        return null;
    }

    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127) // CGNAT
                || (b[0] == 169 && b[1] == 254) // link-local, cloud metadata
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19))
                || b[0] >= 224);
        }

        var bytes = address.GetAddressBytes();
        return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || (bytes[0] & 0xfe) == 0xfc); // ULA fc00::/7
    }
}
