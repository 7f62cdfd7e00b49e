using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Platform.ToolExecution.Tests;

public sealed class HttpFetchToolTests(McpApp app, LoopbackSite site) : IClassFixture<McpApp>, IClassFixture<LoopbackSite>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string TextOf(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    private async Task<CallToolResult> FetchAsync(string url)
    {
        var key = await app.KeyAsync(["tools:call"]);
        await using var client = await app.ClientAsync(key);
        return await client.CallToolAsync("http_fetch", new Dictionary<string, object?> { ["url"] = url }, cancellationToken: Ct);
    }

    [Fact]
    public async Task A_page_is_returned_with_status_content_type_and_text()
    {
        var result = await FetchAsync(site.Url("local.fetch.test", "/redirect-ok"));

        Assert.NotEqual(true, result.IsError);
        var page = JsonDocument.Parse(TextOf(result)).RootElement;
        Assert.Equal(200, page.GetProperty("status").GetInt32());
        Assert.Equal("text/plain; charset=utf-8", page.GetProperty("contentType").GetString());
        Assert.Equal("hello from loopback", page.GetProperty("text").GetString());
        Assert.Equal(1, page.GetProperty("redirects").GetInt32());
        Assert.False(page.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task A_large_body_is_cut_at_the_limit_and_marked_truncated()
    {
        var result = await FetchAsync(site.Url("local.fetch.test", "/big"));

        var page = JsonDocument.Parse(TextOf(result)).RootElement;
        Assert.True(page.GetProperty("truncated").GetBoolean());
        Assert.Equal(1024, page.GetProperty("text").GetString()!.Length);
    }

    [Fact]
    public async Task A_tenant_allowlist_refuses_every_other_host()
    {
        var key = await app.KeyAsync(["tools:call"], tenant: McpApp.AllowlistTenant);
        await using var client = await app.ClientAsync(key);

        var elsewhere = await client.CallToolAsync("http_fetch", new Dictionary<string, object?> { ["url"] = site.Url("local.fetch.test", "/hello") }, cancellationToken: Ct);
        var listed = await client.CallToolAsync("http_fetch", new Dictionary<string, object?> { ["url"] = site.Url(McpApp.AllowlistedHost, "/hello") }, cancellationToken: Ct);

        Assert.True(elsewhere.IsError);
        Assert.Contains("allow", TextOf(elsewhere), StringComparison.OrdinalIgnoreCase);
        Assert.NotEqual(true, listed.IsError);
    }

    public static TheoryData<string> BlockedUrls => new()
    {
        "http://127.0.0.1:{port}/hello",
        "http://127.0.0.1./",
        "http://127.1:{port}/hello",
        "http://2130706433:{port}/hello",
        "http://0x7f000001:{port}/hello",
        "http://0x7f.1:{port}/hello",
        "http://0177.0.0.1:{port}/hello",
        "http://0.0.0.0:{port}/hello",
        "http://[::1]:{port}/hello",
        "http://[::ffff:127.0.0.1]:{port}/hello",
        "http://[::ffff:7f00:1]:{port}/hello",
        "http://[0:0:0:0:0:0:0:1]:{port}/hello",
        "http://localhost:{port}/hello",
        "http://app.localhost:{port}/hello",
        "http://169.254.169.254/latest/meta-data/",
        "http://2852039166/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://10.0.0.1/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://metadata.internal.test/",
        "http://user:secret@local.fetch.test:{port}/hello",
        "file:///etc/passwd",
        "ftp://local.fetch.test/",
        "gopher://local.fetch.test:70/",
        "javascript:alert(1)",
        "//local.fetch.test/hello",
        "not a url",
        "http://local.fetch.test:{port}/redirect-metadata",
        "http://local.fetch.test:{port}/redirect-internal-name",
        "http://local.fetch.test:{port}/redirect-file",
        "http://local.fetch.test:{port}/redirect-loop",
    };

    [Theory]
    [MemberData(nameof(BlockedUrls))]
    public async Task A_blocked_target_is_a_tool_error(string template)
    {
        var result = await FetchAsync(template.Replace("{port}", site.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        Assert.True(result.IsError, TextOf(result));
        Assert.StartsWith("http_fetch refused:", TextOf(result), StringComparison.Ordinal);
        Assert.DoesNotContain("hello from loopback", TextOf(result), StringComparison.Ordinal);
    }
}
