using System.Security.Cryptography;
using System.Text;
using Platform.Credentials.ApiKeys;

namespace Platform.Auth.Extensions;

/// <summary>Where the key-hashing peppers come from.</summary>
internal static partial class Peppers
{
    /// <summary>
    /// Configured peppers (<c>Auth:Peppers:&lt;version&gt;</c>) win. A local run without any derives one from the
    /// bootstrap admin key, which the AppHost keeps stable across restarts, so issued keys keep working; production
    /// configuration must set real peppers (docs/operations.md).
    /// </summary>
    public static PepperSet From(IConfiguration configuration, ILogger logger)
    {
        var options = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (options.Peppers.Count > 0)
        {
            var current = options.CurrentPepperVersion ?? options.Peppers.Keys.Max(StringComparer.Ordinal)!;
            return new PepperSet(options.Peppers, current);
        }

        if (string.IsNullOrEmpty(options.BootstrapAdminKey))
        {
            throw new InvalidOperationException(
                "No key-hashing pepper is configured. Set Auth__Peppers__v1 to 32+ random bytes in base64 (and Auth__BootstrapAdminKey), or run through the AppHost.");
        }

        LogDerivedPepper(logger);
        var derived = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(options.BootstrapAdminKey), 32,
            info: Encoding.ASCII.GetBytes("platform/auth/pepper/v0"));
        return new PepperSet(new Dictionary<string, string> { ["v0"] = Convert.ToBase64String(derived) }, "v0");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No Auth:Peppers configured; deriving pepper v0 from the bootstrap admin key (fine locally, not for production)")]
    private static partial void LogDerivedPepper(ILogger logger);
}
