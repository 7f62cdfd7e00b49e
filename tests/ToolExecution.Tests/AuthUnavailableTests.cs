using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.ServiceDefaults;
using Platform.Contracts.Auth;
using Platform.Authentication;

namespace Platform.ToolExecution.Tests;

/// <summary>
/// The Auth drill (bench/drills.sh, drill 3) found that while Auth is down an uncached key got 401 (telling the client
/// its key is bad) or, once the HTTP client's circuit breaker opened, 500. Both are now a 503 to retry.
/// </summary>
public sealed class AuthUnavailableTests
{
    public static TheoryData<string> Failures => ["refused", "circuit open", "timed out"];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_key_that_cannot_be_checked_because_Auth_is_down_gets_503_with_retry_after(string failure)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.AddPlatformAuthentication();
        builder.Services.AddSingleton<ICredentialVerifier>(new FailingVerifier(failure));
        await using var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/", () => "ok").RequireAuthorization();
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var client = app.GetTestClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "mcp_live_abc_def");

        using var response = await client.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Assert.Empty(response.Headers.WwwAuthenticate);
        Assert.Contains("urn:platform:problem:unavailable", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    public static TheoryData<string> AuthAnswers => ["503 with Retry-After", "connection refused"];

    /// <summary>
    /// The same drill found each of those 503s came after 10 s and more: the default HTTP pipeline retried three times,
    /// 2, 4 and 8 s apart (and honoured Auth's Retry-After). A waiting client now gets its answer after one quick retry.
    /// </summary>
    [Theory]
    [MemberData(nameof(AuthAnswers))]
    public async Task Calls_to_Auth_that_fail_are_retried_once_at_once_then_reported_unavailable(string answer)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["services:auth:http:0"] = "http://127.0.0.1:1";
        builder.AddServiceDefaults();
        builder.AddRemoteCredentialVerification();
        var auth = new CountingAuth(answer);
        builder.Services.AddHttpClient(CachingHttpCredentialVerifier.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => auth);
        using var host = builder.Build();
        var verifier = host.Services.GetRequiredService<ICredentialVerifier>();

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            verifier.VerifyAsync("mcp_live_abc_def", "127.0.0.1", TestContext.Current.CancellationToken).AsTask());

        Assert.Equal(2, auth.Calls);
    }

    private sealed class CountingAuth(string answer) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            if (answer == "connection refused")
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused");
            }

            var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(2));
            return Task.FromResult(response);
        }
    }

    private sealed class FailingVerifier(string failure) : ICredentialVerifier
    {
        public ValueTask<VerifyKeyResponse> VerifyAsync(string key, string? clientIp, CancellationToken cancellationToken) => failure switch
        {
            "refused" => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"),
            "circuit open" => throw new Polly.CircuitBreaker.BrokenCircuitException(),
            _ => throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout."),
        };
    }
}
