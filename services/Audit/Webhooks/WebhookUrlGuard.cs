using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Platform.Sandbox.Network;

namespace Platform.Audit.Webhooks;

/// <summary>Decides whether a webhook URL may be called. Returns null when allowed, else the reason.</summary>
public interface IWebhookUrlGuard
{
    /// <summary>The URL's form and every address its host resolves to now (at registration).</summary>
    Task<string?> RejectReasonAsync(Uri url, CancellationToken ct);

    /// <summary>The URL's form only; at delivery the addresses are checked by the pinned connection itself.</summary>
    string? UrlRejectReason(Uri url);
}

/// <summary>
/// Webhook URLs pass the same SSRF rules as <c>http_fetch</c> (Platform.Sandbox's <see cref="SsrfGuard"/>: schemes,
/// userinfo, numeric host forms, every blocked range), with the same resolver and exemptions that the delivery
/// connection (<see cref="PinnedConnector"/>) uses.
/// </summary>
public sealed class WebhookUrlGuard(IOptions<WebhookOptions> options, WebhookNetwork network) : IWebhookUrlGuard
{
    public string? UrlRejectReason(Uri url)
    {
        if (!url.IsAbsoluteUri)
        {
            return "the URL must be absolute http or https";
        }

        return SsrfGuard.TryValidateUrl(url.AbsoluteUri, out _, out var reason) || (options.Value.AllowLoopbackForTests && IsLoopbackLiteral(url))
            ? null
            : reason;
    }

    public async Task<string?> RejectReasonAsync(Uri url, CancellationToken ct)
    {
        if (UrlRejectReason(url) is { } reason)
        {
            return reason;
        }

        var host = url.IdnHost;
        IPAddress[] addresses;
        try
        {
            addresses = SsrfGuard.TryParseHostAddress(host, out var literal) ? [literal] : await network.Settings.Resolve(host, ct).ConfigureAwait(false);
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
            if (!network.Settings.ExemptAddresses.Contains(address) && SsrfGuard.IsBlocked(address, out var blocked))
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

/// <summary>
/// How webhook deliveries reach the network: the DNS resolver and exempt addresses shared by the registration check
/// and the pinned delivery connection. Tests replace <see cref="FetcherSettings"/> (a fake resolver), as they do for
/// <c>http_fetch</c>; <see cref="WebhookOptions.AllowLoopbackForTests"/> exempts the loopback addresses.
/// </summary>
public sealed class WebhookNetwork(FetcherSettings fetcher, IOptions<WebhookOptions> options)
{
    public FetcherSettings Settings { get; } = options.Value.AllowLoopbackForTests
        ? fetcher with { ExemptAddresses = [.. fetcher.ExemptAddresses, IPAddress.Loopback, IPAddress.IPv6Loopback] }
        : fetcher;
}
