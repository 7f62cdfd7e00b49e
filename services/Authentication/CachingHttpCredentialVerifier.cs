using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Platform.Contracts.Auth;

namespace Platform.Authentication;

/// <summary>
/// Asks Auth's internal verification endpoint and caches the answer per (key, client IP) so a cache hit costs no
/// network. The cache key is a SHA-256 of the credential: the plaintext key is never held as a dictionary key.
/// Evictions on revocation, rotation and tenant status changes arrive through <see cref="Evict"/>; the TTL is the
/// safety net if such a signal is ever missed. An answer is never served past its <see cref="VerifyKeyResponse.ValidUntil"/>,
/// since no signal announces that a key has simply expired.
/// </summary>
public sealed class CachingHttpCredentialVerifier(IHttpClientFactory httpClients, IMemoryCache cache, TimeProvider time) : ICredentialVerifier
{
    public const string HttpClientName = "auth";

    public static readonly TimeSpan ValidTtl = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan InvalidTtl = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, HashSet<string>> _cacheKeysByKeyId = [];
    private readonly Lock _index = new();

    public async ValueTask<VerifyKeyResponse> VerifyAsync(string key, string? clientIp, CancellationToken cancellationToken)
    {
        var cacheKey = CacheKey(key, clientIp);
        if (Cached(cacheKey) is { } cached)
        {
            return cached;
        }

        var http = httpClients.CreateClient(HttpClientName);
        using var response = await http.PostAsJsonAsync("/internal/keys/verify", new VerifyKeyRequest(key, clientIp), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync<VerifyKeyResponse>(cancellationToken).ConfigureAwait(false)
            ?? new VerifyKeyResponse(VerificationStatus.Malformed);

        var valid = answer.Status == VerificationStatus.Valid;
        var entry = new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = valid ? ValidTtl : InvalidTtl };
        if (valid && answer.KeyId is { } keyId)
        {
            // Concurrent first requests for one key each Set the same cache key, and each Set evicts the previous entry
            // as Replaced. Unindexing then would drop the index of the entry that replaced it, so a revocation could not
            // evict that live entry and the key would keep working until the TTL (found by the revocation drill).
            entry.RegisterPostEvictionCallback((_, _, reason, _) =>
            {
                if (reason != EvictionReason.Replaced)
                {
                    Unindex(keyId, cacheKey);
                }
            });
            lock (_index)
            {
                if (!_cacheKeysByKeyId.TryGetValue(keyId, out var keys))
                {
                    _cacheKeysByKeyId[keyId] = keys = [];
                }

                keys.Add(cacheKey);
            }
        }

        cache.Set(cacheKey, answer, entry);
        return answer;
    }

    /// <summary>Whether <see cref="VerifyAsync"/> would answer from the cache, without asking Auth.</summary>
    public bool AnswersLocally(string key, string? clientIp) => Cached(CacheKey(key, clientIp)) is not null;

    private VerifyKeyResponse? Cached(string cacheKey)
    {
        if (!cache.TryGetValue(cacheKey, out VerifyKeyResponse? cached) || cached is null)
        {
            return null;
        }

        if (cached.ValidUntil is not { } until || time.GetUtcNow() < until)
        {
            return cached;
        }

        // Lapsed while cached; Auth gives the precise answer (expired, or valid under a newer expiry).
        cache.Remove(cacheKey);
        return null;
    }

    /// <summary>Drops every cached answer for a key id (all client IPs).</summary>
    public void Evict(string keyId)
    {
        HashSet<string>? keys;
        lock (_index)
        {
            _cacheKeysByKeyId.Remove(keyId, out keys);
        }

        foreach (var cacheKey in keys ?? [])
        {
            cache.Remove(cacheKey);
        }
    }

    /// <summary>Drops everything, e.g. when a tenant's status changes and we do not index keys by tenant.</summary>
    public void EvictAll()
    {
        string[] all;
        lock (_index)
        {
            all = [.. _cacheKeysByKeyId.Values.SelectMany(k => k)];
            _cacheKeysByKeyId.Clear();
        }

        foreach (var cacheKey in all)
        {
            cache.Remove(cacheKey);
        }
    }

    private void Unindex(string keyId, string cacheKey)
    {
        lock (_index)
        {
            if (_cacheKeysByKeyId.TryGetValue(keyId, out var keys) && keys.Remove(cacheKey) && keys.Count == 0)
            {
                _cacheKeysByKeyId.Remove(keyId);
            }
        }
    }

    private static string CacheKey(string key, string? clientIp) =>
        "cred:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key + "\n" + clientIp)));
}
