using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Platform.Auth.People;
using Platform.RateLimiting;

namespace Platform.Auth.Account;

/// <summary>
/// Sign-in attempts per client network and per email address, counted in Redis by the platform's limiter so every
/// replica shares them. Every attempt counts, successful or not: the account lockout handles failures, this bounds the
/// rate of guesses (and of password hashes) whatever their outcome.
/// </summary>
public sealed class SignInLimits(RedisRateLimiter limiter, IOptionsMonitor<PeopleOptions> options)
{
    /// <summary>Not a valid tenant id (tenants are [a-z0-9-]), so these limits never share a key with a tenant's.</summary>
    private const string Partition = "_signin";

    public async Task<RateLimitDecision> AcquireAsync(IPAddress? clientIp, string email, CancellationToken ct)
    {
        var o = options.CurrentValue;
        var network = clientIp is null ? "unknown" : ClientNetwork.Of(clientIp);
        var perIp = await limiter.AcquireAsync(Request("ip:" + network, o.AttemptsPerMinutePerIp), ct).ConfigureAwait(false);
        if (!perIp.IsAllowed)
        {
            return perIp;
        }

        // The email is hashed: rate-limit keys are no place for an address, or for a password typed into its field.
        var account = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email)))[..32];
        return await limiter.AcquireAsync(Request("account:" + account, o.AttemptsPerMinutePerAccount), ct).ConfigureAwait(false);
    }

    private static RateLimitRequest Request(string key, int perMinute) =>
        new(Partition, key, null, new RateLimitPolicy { PerKey = new RateLimit(Math.Max(1, perMinute), TimeSpan.FromMinutes(1)) });
}
