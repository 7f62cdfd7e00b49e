using System.Security.Cryptography;
using System.Text;

namespace Platform.Authentication;

/// <summary>
/// The credential the platform's own services present on Auth's internal endpoints (key verification). The network
/// policies keep those endpoints inside the platform; this is the second lock, for a pod the policies admit by mistake
/// or a cluster that enforces none: without it, <c>/internal/keys/verify</c> would tell anyone who can reach Auth
/// whether a guessed or stolen API key is valid, and for which tenant and scopes.
/// </summary>
public static class ServiceCredential
{
    /// <summary><c>Platform__ServiceKey</c> in the environment; the same value on every service.</summary>
    public const string ConfigurationKey = "Platform:ServiceKey";

    public const string HeaderName = "X-Platform-Service-Key";

    /// <summary>Compares digests in constant time, so neither the value nor its length leaks through timing.</summary>
    public static bool Matches(string? presented, string configured) =>
        !string.IsNullOrEmpty(presented)
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(configured)));
}
