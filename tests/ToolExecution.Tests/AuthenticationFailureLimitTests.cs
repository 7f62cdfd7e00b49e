using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Platform.Testing;

namespace Platform.ToolExecution.Tests;

/// <summary>ToolExecution on a real loopback socket, so the client's IP is real, with a low failed-authentication limit.</summary>
public sealed class AuthFailureLimitApp(PlatformInfrastructure infrastructure) : McpApp(infrastructure)
{
    public const int FailuresPerMinute = 3;

    protected override bool ListensOnLoopback => true;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["RateLimits:AuthFailuresPerMinutePerIp"] = FailuresPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // The audience Auth stamps into tests' access tokens; the loopback port would not match it.
        ["Mcp:ResourceUri"] = TokenAudience,
    };

    public const string TokenAudience = "http://localhost/mcp";

    /// <summary>A request header this fixture takes as the client's address, for addresses a loopback socket cannot have.</summary>
    public const string ClientAddressHeader = "X-Test-Client-Address";

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IStartupFilter, ClientAddressFromHeader>();

    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, inner) =>
            {
                if (http.Request.Headers[ClientAddressHeader] is [{ } address])
                {
                    http.Connection.RemoteIpAddress = IPAddress.Parse(address);
                }

                return inner(http);
            });
            next(app);
        };
    }
}

/// <summary>
/// Failed authentications per client IP, on the test run's real Redis. Each test speaks from an address of its own in
/// 127.0.0.0/8 (the limit is shared by everything that uses the same Redis), so tests do not count each other's failures.
/// </summary>
public sealed class AuthenticationFailureLimitTests(AuthFailureLimitApp app) : IClassFixture<AuthFailureLimitApp>
{
    private const string EchoCall = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"x"}}}""";

    [Fact]
    public async Task An_ip_over_its_failure_limit_gets_429_with_retry_after_for_an_unknown_key()
    {
        using var http = ClientFrom(UniqueLoopbackAddress());

        var guesses = await GuessUntilRefusedAsync(http);

        Assert.All(guesses.SkipLast(1), status => Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode));
        var refused = guesses[^1];
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Contains("\"limit\":\"auth_failures\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_blocked_ip_cannot_try_a_new_key_even_a_valid_one()
    {
        var address = UniqueLoopbackAddress();
        var key = await app.KeyAsync(["tools:call"]);
        using var http = ClientFrom(address);
        await GuessUntilRefusedAsync(http);

        var response = await PostAsync(http, key);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
    }

    [Fact]
    public async Task A_key_already_verified_for_this_ip_and_an_access_token_keep_working_while_the_ip_is_blocked()
    {
        var address = UniqueLoopbackAddress();
        var key = await app.KeyAsync(["tools:call"]);
        var token = await app.TokenAsync(key, AuthFailureLimitApp.TokenAudience);
        using var http = ClientFrom(address);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, key)).StatusCode);
        await GuessUntilRefusedAsync(http);

        var withKey = await PostAsync(http, key);
        var withToken = await PostAsync(http, token);

        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
    }

    [Fact]
    public async Task Another_ip_is_not_affected_by_a_blocked_one()
    {
        using var blocked = ClientFrom(UniqueLoopbackAddress());
        await GuessUntilRefusedAsync(blocked);
        using var other = ClientFrom(UniqueLoopbackAddress());

        var response = await PostAsync(other, await app.KeyAsync(["tools:call"]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Guesses_from_one_ipv6_64_share_one_budget_whichever_addresses_they_come_from()
    {
        int site = Random.Shared.Next(0x10000), subnet = Random.Shared.Next(0x10000);
        var network = $"2001:db8:{site:x}:{subnet:x}";
        var neighbour = $"2001:db8:{site:x}:{subnet ^ 1:x}";
        using var http = ClientFrom(UniqueLoopbackAddress());
        var statuses = new List<HttpStatusCode>();
        for (var i = 1; i <= AuthFailureLimitApp.FailuresPerMinute + 2 && !statuses.Contains(HttpStatusCode.TooManyRequests); i++)
        {
            statuses.Add((await PostAsync(http, "mcp_test_" + Guid.NewGuid().ToString("N"), $"{network}::{i:x}")).StatusCode);
        }

        var fromAnotherNetwork = await PostAsync(http, "mcp_test_" + Guid.NewGuid().ToString("N"), $"{neighbour}::1");

        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.InRange(statuses.Count, AuthFailureLimitApp.FailuresPerMinute + 1, AuthFailureLimitApp.FailuresPerMinute + 2);
        Assert.Equal(HttpStatusCode.Unauthorized, fromAnotherNetwork.StatusCode);
    }

    /// <summary>
    /// Posts unknown keys until one is refused with 429. A failure is counted after its 401 is written, so the guess
    /// right after the limit may still slip through before the count lands: at most one more than the limit is allowed.
    /// </summary>
    private static async Task<List<HttpResponseMessage>> GuessUntilRefusedAsync(HttpClient http)
    {
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < AuthFailureLimitApp.FailuresPerMinute + 2; i++)
        {
            var response = await PostAsync(http, "mcp_test_" + Guid.NewGuid().ToString("N"));
            responses.Add(response);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.InRange(responses.Count, AuthFailureLimitApp.FailuresPerMinute + 1, AuthFailureLimitApp.FailuresPerMinute + 2);
                return responses;
            }
        }

        Assert.Fail($"no 429 after {responses.Count} failed authentications: {string.Join(", ", responses.Select(r => (int)r.StatusCode))}");
        return responses;
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string credential, string? clientAddress = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(EchoCall, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        if (clientAddress is not null)
        {
            request.Headers.Add(AuthFailureLimitApp.ClientAddressHeader, clientAddress);
        }

        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>A client whose connections come from <paramref name="source"/>: all of 127.0.0.0/8 reaches the loopback listener.</summary>
    private HttpClient ClientFrom(IPAddress source)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var http = new HttpClient(handler) { BaseAddress = app.ListeningAddress };
        http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        http.DefaultRequestHeaders.Accept.ParseAdd("text/event-stream");
        return http;
    }

    private static IPAddress UniqueLoopbackAddress()
    {
        Span<byte> bytes = stackalloc byte[3];
        Random.Shared.NextBytes(bytes);
        return new IPAddress([127, bytes[0], bytes[1], (byte)Math.Max((byte)2, bytes[2])]);
    }
}
