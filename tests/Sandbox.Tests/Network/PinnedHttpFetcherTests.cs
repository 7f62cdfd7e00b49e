using System.Net;
using System.Text;
using Platform.Sandbox.Network;

namespace Platform.Sandbox.Tests.Network;

public sealed class PinnedHttpFetcherTests : IAsyncLifetime
{
    private static readonly IPAddress Loopback = IPAddress.Parse("127.0.0.1");
    private static readonly IPAddress Metadata = IPAddress.Parse("169.254.169.254");

    private readonly FakeResolver _resolver = new();
    private LoopbackServer _server = null!;
    private PinnedHttpFetcher _fetcher = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await LoopbackServer.StartAsync();
        _resolver.Answers["sandbox.test"] = [Loopback];
        _resolver.Answers["internal.test"] = [IPAddress.Parse("10.0.0.5")];
        _resolver.Answers["mixed.test"] = [Loopback, Metadata];
        _fetcher = NewFetcher();
    }

    public async ValueTask DisposeAsync()
    {
        _fetcher.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Exempt_test_address_is_reachable_through_a_resolved_name()
    {
        var result = await _fetcher.FetchAsync(Url("sandbox.test", "/hello"), new FetchOptions(), TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(200, result.StatusCode);
        Assert.Equal("hello", Encoding.UTF8.GetString(result.Body.Span));
    }

    [Fact]
    public async Task Literal_loopback_url_is_refused_even_when_the_address_is_exempt()
    {
        var result = await _fetcher.FetchAsync($"http://127.0.0.1:{_server.Port}/hello", new FetchOptions(), TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Contains("loopback", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, _server.Requests);
    }

    [Fact]
    public async Task Redirects_within_the_limit_are_followed()
    {
        var result = await _fetcher.FetchAsync(Url("sandbox.test", "/redirect/3"), new FetchOptions { MaxRedirects = 3 }, TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(3, result.Redirects);
        Assert.Equal("done", Encoding.UTF8.GetString(result.Body.Span));
        Assert.EndsWith("/redirect/0", result.FinalUri!.AbsolutePath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redirects_beyond_the_limit_are_refused()
    {
        var result = await _fetcher.FetchAsync(Url("sandbox.test", "/redirect/3"), new FetchOptions { MaxRedirects = 2 }, TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Contains("more than 2 redirects", result.Error, StringComparison.Ordinal);
        Assert.Equal(3, _server.Requests);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("http://0x7f.1/", "loopback")]
    [InlineData("http://[::ffff:10.0.0.1]/", "IPv4-mapped")]
    [InlineData("file:///etc/passwd", "scheme")]
    [InlineData("//169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("http://user@sandbox.test/", "user information")]
    public async Task Redirect_to_a_blocked_literal_is_refused_before_connecting(string location, string reason)
    {
        var url = Url("sandbox.test", "/to?location=" + Uri.EscapeDataString(location));

        var result = await _fetcher.FetchAsync(url, new FetchOptions(), TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
        Assert.Equal(1, _server.Requests);
    }

    [Fact]
    public async Task Redirect_to_a_name_resolving_to_a_private_address_is_refused_at_connect()
    {
        var url = Url("sandbox.test", "/to?location=" + Uri.EscapeDataString(Url("internal.test", "/hello")));

        var result = await _fetcher.FetchAsync(url, new FetchOptions(), TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Contains("10.0.0.5", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, _server.Requests);
    }

    [Fact]
    public async Task Redirect_to_a_host_outside_the_allowlist_is_refused()
    {
        var url = Url("sandbox.test", "/to?location=" + Uri.EscapeDataString("http://elsewhere.example/"));

        var result = await _fetcher.FetchAsync(url, new FetchOptions { AllowedHosts = ["sandbox.test"] }, TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Contains("allowlist", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Name_with_any_blocked_answer_is_refused()
    {
        var result = await _fetcher.FetchAsync(Url("mixed.test", "/hello"), new FetchOptions(), TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Contains("169.254.169.254", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, _server.Requests);
    }

    [Theory]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("2002:a00:1::1")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("::1")]
    [InlineData("0.0.0.0")]
    [InlineData("100.100.100.200")]
    public async Task Name_resolving_to_an_internal_address_in_any_family_is_refused(string answer)
    {
        _resolver.Answers["evil.test"] = [IPAddress.Parse(answer)];

        var result = await _fetcher.FetchAsync(Url("evil.test", "/hello"), new FetchOptions(), TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Contains("which is blocked", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Name_without_any_answer_is_refused()
    {
        var result = await _fetcher.FetchAsync(Url("nxdomain.test", "/hello"), new FetchOptions(), TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Contains("did not resolve", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rebinding_after_the_check_does_not_move_the_connection()
    {
        // The first answer passes the check; every later one points at the metadata service.
        _resolver.Sequences["rebind.test"] = new Queue<IPAddress[]>([[Loopback]]);
        _resolver.Answers["rebind.test"] = [Metadata];

        var first = await _fetcher.FetchAsync(Url("rebind.test", "/redirect/2"), new FetchOptions(), TestContext.Current.CancellationToken);

        Assert.True(first.Succeeded, first.Error);
        Assert.Equal(3, _server.Requests);
        Assert.Equal(1, _resolver.Lookups("rebind.test"));

        // A new connection resolves again, sees the rebound answer and refuses it.
        using var fresh = NewFetcher();
        var second = await fresh.FetchAsync(Url("rebind.test", "/hello"), new FetchOptions(), TestContext.Current.CancellationToken);

        Assert.False(second.Succeeded);
        Assert.Contains("169.254.169.254", second.Error, StringComparison.Ordinal);
        Assert.Equal(3, _server.Requests);
    }

    [Fact]
    public async Task Body_is_cut_at_the_size_cap()
    {
        var result = await _fetcher.FetchAsync(Url("sandbox.test", "/big"), new FetchOptions { MaxResponseBytes = 1000 }, TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded, result.Error);
        Assert.True(result.Truncated);
        Assert.Equal(1000, result.Body.Length);
    }

    [Fact]
    public async Task Body_at_exactly_the_cap_is_not_marked_truncated()
    {
        var result = await _fetcher.FetchAsync(Url("sandbox.test", "/big"), new FetchOptions { MaxResponseBytes = 10_000 }, TestContext.Current.CancellationToken);

        Assert.False(result.Truncated);
        Assert.Equal(10_000, result.Body.Length);
    }

    [Fact]
    public async Task Hanging_server_is_cut_off_by_the_timeout()
    {
        var result = await _fetcher.FetchAsync(Url("sandbox.test", "/hang"), new FetchOptions { Timeout = TimeSpan.FromMilliseconds(300) }, TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Contains("timed out", result.Error, StringComparison.Ordinal);
    }

    private PinnedHttpFetcher NewFetcher() =>
        new(new FetcherSettings { Resolve = _resolver.ResolveAsync, ExemptAddresses = [Loopback] });

    private string Url(string host, string pathAndQuery) => $"http://{host}:{_server.Port}{pathAndQuery}";

    private sealed class FakeResolver
    {
        private readonly Dictionary<string, int> _lookups = [];

        public Dictionary<string, IPAddress[]> Answers { get; } = [];

        public Dictionary<string, Queue<IPAddress[]>> Sequences { get; } = [];

        public int Lookups(string host)
        {
            lock (_lookups)
            {
                return _lookups.GetValueOrDefault(host);
            }
        }

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            lock (_lookups)
            {
                _lookups[host] = _lookups.GetValueOrDefault(host) + 1;
                if (Sequences.TryGetValue(host, out var queue) && queue.TryDequeue(out var next))
                {
                    return Task.FromResult(next);
                }

                // Unknown names fail like NXDOMAIN; nothing here ever asks real DNS.
                return Task.FromResult(Answers.GetValueOrDefault(host) ?? []);
            }
        }
    }
}
