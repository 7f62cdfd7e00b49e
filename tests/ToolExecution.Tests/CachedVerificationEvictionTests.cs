using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Caching.Memory;
using Platform.Contracts.Auth;
using Platform.Authentication;

namespace Platform.ToolExecution.Tests;

/// <summary>
/// The revocation drill (bench/drills.sh, drill 7) found that a key first used by many clients at once was never
/// evicted: each concurrent miss replaced the cache entry, and the replaced entries' callbacks unindexed the live one.
/// </summary>
public sealed class CachedVerificationEvictionTests
{
    [Fact]
    public async Task Eviction_reaches_a_key_first_verified_by_concurrent_requests()
    {
        var auth = new SlowAuthStub();
        using var cache = new MemoryCache(new MemoryCacheOptions());
        var verifier = new CachingHttpCredentialVerifier(new StubHttpClientFactory(auth), cache, TimeProvider.System);

        var first = Enumerable.Range(0, 16).Select(_ => verifier.VerifyAsync("mcp_live_key", "127.0.0.1", CancellationToken.None).AsTask()).ToList();
        await auth.AllArrived(16).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        auth.Release();
        await Task.WhenAll(first);
        // Post-eviction callbacks run on the thread pool; give the replaced entries' callbacks time to run.
        await Task.Delay(500, TestContext.Current.CancellationToken);
        var callsBefore = auth.Calls;

        verifier.Evict("key-1");
        await verifier.VerifyAsync("mcp_live_key", "127.0.0.1", CancellationToken.None);

        Assert.Equal(callsBefore + 1, auth.Calls);
    }

    /// <summary>Holds every verification until <see cref="Release"/>, so all first requests miss the cache together.</summary>
    private sealed class SlowAuthStub : HttpMessageHandler
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;
        private int _expected = int.MaxValue;

        public int Calls => Volatile.Read(ref _calls);

        public Task AllArrived(int count)
        {
            Volatile.Write(ref _expected, count);
            if (Calls >= count)
            {
                _arrived.TrySetResult();
            }

            return _arrived.Task;
        }

        public void Release() => _release.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) >= Volatile.Read(ref _expected))
            {
                _arrived.TrySetResult();
            }

            await _release.Task.WaitAsync(cancellationToken);
            var answer = new VerifyKeyResponse(VerificationStatus.Valid, "key-1", "tenant-1", ["tools:call"], ["*"],
                new PlanLimits("test", 100, 100, 100, 10, 1));
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = JsonContent.Create(answer) };
        }
    }

    private sealed class StubHttpClientFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false) { BaseAddress = new Uri("http://auth.invalid") };
    }
}
