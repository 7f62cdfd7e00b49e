using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.Extensions.Options;
using Platform.Sandbox.Network;
using Wolverine.Attributes;

namespace Platform.Audit.Webhooks;

/// <summary>One delivery of one audit record to one endpoint; sent through the outbox with the record's append.</summary>
[MessageIdentity("platform.audit.deliver-webhook.v1")]
public sealed record DeliverWebhook(Guid EndpointId, long Seq, string Body);

public sealed class WebhookDeliveryFailedException(string message) : Exception(message);

public static class WebhookSignature
{
    public const string Header = "Platform-Signature";

    /// <summary><c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, t + "." + body)&gt;</c>.</summary>
    public static string Create(string secret, long unixSeconds, string body)
    {
        var t = unixSeconds.ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + body));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }
}

/// <summary>
/// Posts a delivery. A non-2xx answer or a network error throws, so Wolverine retries with backoff and then
/// dead-letters (policy in Extensions).
/// </summary>
public static class DeliverWebhookHandler
{
    public const string HttpClientName = "webhooks";

    public static async Task Handle(
        DeliverWebhook message, IQuerySession session, IHttpClientFactory httpClients, IWebhookUrlGuard guard,
        TimeProvider time, IOptions<WebhookOptions> options, WebhookMetrics metrics, CancellationToken ct)
    {
        var endpoint = await session.LoadAsync<WebhookEndpoint>(message.EndpointId, ct).ConfigureAwait(false);
        if (endpoint is null)
        {
            return; // deleted since: nothing to deliver
        }

        // The URL's form is re-checked in case the rules tightened since registration; its addresses are checked by
        // the pinned connection, which resolves once and connects only to an address it checked.
        var url = new Uri(endpoint.Url);
        if (guard.UrlRejectReason(url) is { } reason)
        {
            metrics.Failed();
            throw new WebhookDeliveryFailedException($"webhook {endpoint.Id} URL rejected: {reason}");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(message.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Create(endpoint.Secret, time.GetUtcNow().ToUnixTimeSeconds(), message.Body));
        request.Headers.Add("Platform-Webhook-Id", endpoint.Id.ToString("D"));

        using var http = httpClients.CreateClient(HttpClientName);
        http.Timeout = TimeSpan.FromSeconds(options.Value.TimeoutSeconds);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (PinnedConnector.BlockedReason(e) is { } blocked)
        {
            metrics.Failed();
            throw new WebhookDeliveryFailedException($"webhook {endpoint.Id} delivery of seq {message.Seq} refused: {blocked}");
        }
        catch (HttpRequestException e)
        {
            metrics.Failed();
            throw new WebhookDeliveryFailedException($"webhook {endpoint.Id} delivery of seq {message.Seq} failed: {e.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            metrics.Failed();
            throw new WebhookDeliveryFailedException($"webhook {endpoint.Id} delivery of seq {message.Seq} timed out");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                metrics.Failed();
                throw new WebhookDeliveryFailedException($"webhook {endpoint.Id} answered {(int)response.StatusCode} for seq {message.Seq}");
            }
        }

        metrics.Delivered();
    }
}
