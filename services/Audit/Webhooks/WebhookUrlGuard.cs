using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Platform.Sandbox.Network;

namespace Platform.Audit.Webhooks;

/// <summary>Decides whether a webhook URL may be called. Returns null when allowed, else the reason.</summary>
public interface IWebhookUrlGuard
{
    Task<string?> RejectReasonAsync(Uri url, CancellationToken ct);
}

/// <summary>Webhook URLs pass the same SSRF rules as <c>http_fetch</c>, at registration and before each delivery.</summary>
public sealed class WebhookUrlGuard(IOptions<WebhookOptions> options) : IWebhookUrlGuard
{
    /// <summary>
    /// The same rules as <c>http_fetch</c> (Platform.Sandbox's SsrfGuard: schemes, userinfo, numeric host forms,
    /// every blocked range), applied to the URL and to every address its host resolves to.
    /// </summary>
    public async Task<string?> RejectReasonAsync(Uri url, CancellationToken ct)
    {
        if (!url.IsAbsoluteUri)
        {
            return "the URL must be absolute http or https";
        }

        var valid = SsrfGuard.TryValidateUrl(url.AbsoluteUri, out var checkedUrl, out var reason);
        if (!valid && !(options.Value.AllowLoopbackForTests && IsLoopbackLiteral(url)))
        {
            return reason;
        }

        var host = (checkedUrl ?? url).IdnHost;
        IPAddress[] addresses;
        try
        {
            addresses = SsrfGuard.TryParseHostAddress(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
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

            if (SsrfGuard.IsBlocked(address, out var blocked))
            {
                return $"the host resolves to a blocked address ({address}: {blocked})";
            }
        }

        return null;
    }

    private static bool IsLoopbackLiteral(Uri url) =>
        (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) && string.IsNullOrEmpty(url.UserInfo)
        && SsrfGuard.TryParseHostAddress(url.IdnHost, out var address) && IPAddress.IsLoopback(address);
}
