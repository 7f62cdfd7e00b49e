using System.ComponentModel;
using System.Text;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Platform.Sandbox.Network;
using Platform.Authentication;

namespace Platform.ToolExecution.Tools.BuiltIn;

/// <summary><c>http_fetch</c>: a GET through the SSRF-guarded, DNS-pinned fetcher, never through a shared HttpClient.</summary>
[McpServerToolType]
public sealed class HttpFetchTool
{
    public sealed record Fetched(int Status, string? ContentType, string? FinalUrl, int Redirects, bool Truncated, string Text);

    [McpServerTool(Name = "http_fetch", ReadOnly = true, Idempotent = true, OpenWorld = true)]
    [Description("Fetches a public http or https URL with GET and returns its status, content type and body as text. "
        + "Internal addresses are refused; large bodies are truncated.")]
    public static async Task<CallToolResult> Fetch(
        RequestContext<CallToolRequestParams> request,
        PinnedHttpFetcher fetcher,
        IOptions<HttpFetchOptions> options,
        [Description("Absolute http or https URL.")] string url,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var tenant = request.User?.TenantOf();
        var allowed = tenant is not null && settings.AllowedHosts.TryGetValue(tenant, out var hosts) ? hosts : [];
        var result = await fetcher.FetchAsync(url, new FetchOptions
        {
            AllowedHosts = allowed,
            MaxRedirects = settings.MaxRedirects,
            MaxResponseBytes = settings.MaxResponseBytes,
            Timeout = settings.Timeout,
        }, cancellationToken);

        if (!result.Succeeded)
        {
            return ToolResults.Error($"http_fetch refused: {result.Error}.");
        }

        // Lossy decoding on purpose: the caller asked for text, and a stray byte should not hide the rest of the page.
        var text = Encoding.UTF8.GetString(result.Body.Span);
        return ToolResults.Structured(new Fetched(result.StatusCode, result.ContentType, result.FinalUri?.AbsoluteUri, result.Redirects, result.Truncated, text));
    }
}
