using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Platform.Bench.Measurement;
using Platform.Contracts.Auth;
using Platform.Authentication;

namespace Platform.Bench.Scenarios;

/// <summary>
/// Issue 3: a cache hit of <see cref="CachingHttpCredentialVerifier"/> as ToolExecution uses it, against a plain
/// ConcurrentDictionary lookup of the same SHA-256 cache key. Auth is a stub that counts calls, so "no network on a
/// hit" is checked, not assumed.
/// </summary>
public sealed class CachedVerificationBench(BenchSettings settings)
{
    public const string Scenario = "Cached key verification (in process)";
    private const int Lookups = 200_000;

    public async Task RunAsync(Results results)
    {
        results.Notes[Scenario] =
            "Ours: `CachingHttpCredentialVerifier.VerifyAsync` for a key already in its IMemoryCache, as ToolExecution calls "
            + "it on every request (SHA-256 of key + client IP, then a cache lookup). Auth is a stub that counts calls, so "
            + "the absence of network calls on hits is checked. Baseline: computing the same SHA-256 cache key and looking "
            + "it up in a ConcurrentDictionary. 200,000 sequential lookups per run, each timed with Stopwatch.";
        using var auth = new CountingAuthStub();
        using var cache = new MemoryCache(new MemoryCacheOptions());
        var verifier = new CachingHttpCredentialVerifier(new StubHttpClientFactory(auth), cache, TimeProvider.System);
        const string Key = "pk_bench_0123456789abcdef0123456789abcdef";
        const string ClientIp = "127.0.0.1";
        await verifier.VerifyAsync(Key, ClientIp, CancellationToken.None).ConfigureAwait(false);

        var dictionary = new ConcurrentDictionary<string, VerifyKeyResponse>(StringComparer.Ordinal);
        var answer = new VerifyKeyResponse(VerificationStatus.Valid, "key-1");
        dictionary[CacheKey(Key, ClientIp)] = answer;

        var ours = new LatencyRecorder(Lookups);
        var baseline = new LatencyRecorder(Lookups);
        var deadline = Stopwatch.StartNew();
        for (var i = 0; i < Lookups && deadline.Elapsed < settings.LoadPhase * 2; i++)
        {
            var begin = Stopwatch.GetTimestamp();
            var verdict = await verifier.VerifyAsync(Key, ClientIp, CancellationToken.None).ConfigureAwait(false);
            ours.Record(Stopwatch.GetTimestamp() - begin);
            if (verdict.Status != VerificationStatus.Valid)
            {
                throw new InvalidOperationException("A cached verification was not valid.");
            }

            begin = Stopwatch.GetTimestamp();
            dictionary.TryGetValue(CacheKey(Key, ClientIp), out _);
            baseline.Record(Stopwatch.GetTimestamp() - begin);
        }

        results.Comparison(Scenario, "cache hit p50", "ms", "ConcurrentDictionary lookup of the same SHA-256 key", Better.Lower)
            .Add(ours.PercentileMs(50), baseline.PercentileMs(50));
        results.Comparison(Scenario, "cache hit p99", "ms", "ConcurrentDictionary lookup of the same SHA-256 key", Better.Lower)
            .Add(ours.PercentileMs(99), baseline.PercentileMs(99));
        results.AddSingle(Scenario, "calls to Auth during the timed lookups (one more before timing fills the cache)", "calls", auth.Calls - 1);
    }

    public static void Judge(Results results)
    {
        if (results.Find(Scenario, "cache hit p99") is { } p99)
        {
            var median = Stats.Median(p99.Subject);
            var noNetwork = results.Singles.Where(f => f.Scenario == Scenario).All(f => f.Values.All(v => v == 0));
            results.Targets.Add(new("3", "cached key verification p99 ≤ 0.5 ms with no network call", $"{median:F4} ms, network calls on hits: {(noNetwork ? "none" : "some")}", median <= 0.5 && noNetwork));
        }
    }

    private static string CacheKey(string key, string? clientIp) =>
        "cred:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key + "\n" + clientIp)));

    private sealed class CountingAuthStub : HttpMessageHandler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            var answer = new VerifyKeyResponse(VerificationStatus.Valid, "key-1", "bench", ["tools:call"], ["*"],
                new PlanLimits("bench", 1_000_000, 1_000_000, 1_000_000, 1_000, 1));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = JsonContent.Create(answer) });
        }
    }

    private sealed class StubHttpClientFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false) { BaseAddress = new Uri("http://auth.invalid") };
    }
}
