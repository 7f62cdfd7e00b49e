using Microsoft.AspNetCore.DataProtection;
using OtpNet;

namespace Platform.Auth.Account;

/// <summary>
/// RFC 6238 codes (30 s steps, 6 digits, SHA-1: what authenticator apps expect). Secrets are kept only encrypted with
/// Data Protection; a code is accepted for one step either side of now, and never for a step at or before the last one
/// accepted, so a code seen once cannot be replayed.
/// </summary>
public sealed class TotpAuthenticator(IDataProtectionProvider dataProtection, TimeProvider time)
{
    private readonly IDataProtector _protector = dataProtection.CreateProtector("Platform.Auth.Totp.v1");

    /// <summary>A new 160-bit secret, already encrypted for storage.</summary>
    public string NewProtectedSecret() => _protector.Protect(Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20)));

    public string Base32Of(string protectedSecret) => _protector.Unprotect(protectedSecret);

    public static string OtpAuthUri(string base32Secret, string account) =>
        $"otpauth://totp/{Uri.EscapeDataString("Platform:" + account)}?secret={base32Secret}&issuer=Platform&algorithm=SHA1&digits=6&period=30";

    /// <summary>The time step the code matched, or null; a step at or before <paramref name="lastUsedStep"/> never matches.</summary>
    public long? Verify(string protectedSecret, string? code, long lastUsedStep)
    {
        if (code is null)
        {
            return null;
        }

        code = code.Replace(" ", "", StringComparison.Ordinal);
        if (code.Length != 6 || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        var totp = new Totp(Base32Encoding.ToBytes(_protector.Unprotect(protectedSecret)));
        return totp.VerifyTotp(time.GetUtcNow().UtcDateTime, code, out var step, new VerificationWindow(previous: 1, future: 1)) && step > lastUsedStep
            ? step
            : null;
    }
}
