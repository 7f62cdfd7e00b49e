using System.Net;

namespace Platform.Sandbox.Network;

/// <summary>
/// Fetches a URL for a tool without letting it reach internal addresses: every connection goes through
/// <see cref="PinnedConnector"/> (resolve once, check, connect to the checked address). Redirects are followed by
/// hand so each hop goes through the same checks.
/// </summary>
public sealed class PinnedHttpFetcher : IDisposable
{
    private static readonly HashSet<HttpStatusCode> RedirectCodes =
    [
        HttpStatusCode.MovedPermanently,
        HttpStatusCode.Found,
        HttpStatusCode.SeeOther,
        HttpStatusCode.TemporaryRedirect,
        HttpStatusCode.PermanentRedirect,
    ];

    private readonly HttpClient _client;

    public PinnedHttpFetcher(FetcherSettings? settings = null) =>
        _client = new HttpClient(PinnedConnector.CreateHandler(settings ?? new FetcherSettings()), disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

    public async Task<FetchResult> FetchAsync(string url, FetchOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxResponseBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRedirects);
        if (!SsrfGuard.TryValidateUrl(url, options.AllowedHosts, out var current, out var reason))
        {
            return FetchResult.Failed(reason);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        var redirects = 0;
        try
        {
            while (true)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, current);
                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);

                if (!RedirectCodes.Contains(response.StatusCode))
                {
                    return await ReadBodyAsync(response, current, redirects, options.MaxResponseBytes, timeout.Token);
                }

                if (response.Headers.Location is not { } location)
                {
                    return FetchResult.Failed($"redirect {(int)response.StatusCode} without a Location header", redirects);
                }

                if (redirects >= options.MaxRedirects)
                {
                    return FetchResult.Failed($"more than {options.MaxRedirects} redirects", redirects);
                }

                var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                if (!SsrfGuard.TryValidateUrl(next.AbsoluteUri, options.AllowedHosts, out var validated, out reason))
                {
                    return FetchResult.Failed($"redirect to {next} refused: {reason}", redirects);
                }

                current = validated;
                redirects++;
            }
        }
        catch (HttpRequestException ex) when (PinnedConnector.BlockedReason(ex) is { } blocked)
        {
            return FetchResult.Failed(blocked, redirects);
        }
        catch (HttpRequestException ex)
        {
            return FetchResult.Failed($"request failed: {ex.HttpRequestError}", redirects);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return FetchResult.Failed($"timed out after {options.Timeout.TotalSeconds:0.###} s", redirects);
        }
    }

    public void Dispose() => _client.Dispose();

    private static async Task<FetchResult> ReadBodyAsync(
        HttpResponseMessage response, Uri uri, int redirects, int maxBytes, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var body = new MemoryStream();
        var chunk = new byte[16 * 1024];
        // One byte past the cap tells "exactly at the cap" apart from "cut off" without reading further.
        while (body.Length <= maxBytes)
        {
            var wanted = (int)Math.Min(chunk.Length, maxBytes + 1L - body.Length);
            var read = await stream.ReadAsync(chunk.AsMemory(0, wanted), cancellationToken);
            if (read == 0)
            {
                break;
            }

            body.Write(chunk, 0, read);
        }

        var filled = body.Length;
        var truncated = filled > maxBytes;
        return new FetchResult
        {
            Succeeded = true,
            StatusCode = (int)response.StatusCode,
            FinalUri = uri,
            ContentType = response.Content.Headers.ContentType?.ToString(),
            Body = body.GetBuffer().AsMemory(0, (int)Math.Min(filled, maxBytes)),
            Truncated = truncated,
            Redirects = redirects,
        };
    }
}
