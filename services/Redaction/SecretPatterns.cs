using System.Text.RegularExpressions;
using Platform.Credentials.ApiKeys;

namespace Platform.Redaction;

/// <summary>
/// Every pattern runs on the non-backtracking engine: the text is attacker-controlled (tool arguments,
/// upstream error strings), and this engine is linear in the input whatever the pattern.
/// </summary>
internal static partial class SecretPatterns
{
    private const RegexOptions Linear = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;
    private const RegexOptions LinearIgnoreCase = Linear | RegexOptions.IgnoreCase;

    // Kept in step with SensitiveNames.Fragments; the text form also allows the "_" and "-" that
    // property names drop before comparison.
    private const string SensitiveWord =
        "passw(?:or)?d|pwd|secret|token|api[_-]?key|authori[sz]ation|credential|private[_-]?key|cookie";

    /// <summary>
    /// <c>name=value</c>, <c>name: value</c>, <c>"name": "value"</c> and the same inside escaped JSON, as found in
    /// connection strings, query strings, headers and JSON that failed to parse. A quoted value may be
    /// unterminated because truncated payloads are common in logs.
    /// </summary>
    [GeneratedRegex(
        "(?<name>[A-Za-z0-9_.-]*(?:" + SensitiveWord + ")[A-Za-z0-9_.-]*)"
        + """(?<separator>\\?["']?[ \t]*[:=][ \t]*)"""
        + """(?<scheme>(?:basic|bearer|digest|negotiate)[ \t]+)?"""
        + """(?<value>\\"(?:[^"\\\r\n]|\\[^"\r\n])*(?:\\")?|"(?:[^"\\\r\n]|\\.)*"?|'[^'\r\n]*'?|[^\s"',;&{}]+)""",
        LinearIgnoreCase)]
    internal static partial Regex NamedSecret { get; }

    /// <summary>A Cookie header is several name=value pairs, so the whole rest of the line is the secret.</summary>
    [GeneratedRegex(@"(?<name>\b(?:set-)?cookie[ \t]*:[ \t]*)[^\r\n]+", LinearIgnoreCase)]
    internal static partial Regex CookieHeader { get; }

    [GeneratedRegex(@"(?<prefix>\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@", Linear)]
    internal static partial Regex UrlPassword { get; }

    [GeneratedRegex("mcp_admin_[A-Za-z0-9_-]{20,}", Linear)]
    internal static partial Regex AdminKey { get; }

    // No checksum check: a look-alike with a bad checksum is still most likely a mistyped real key.
    [GeneratedRegex(ApiKeyFormat.ScannerPatternText, Linear)]
    internal static partial Regex ApiKey { get; }

    // Up to five segments so a compact JWE is masked whole, not just its first three parts.
    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){2,4}", Linear)]
    internal static partial Regex Jwt { get; }

    [GeneratedRegex(@"(?<scheme>\bbearer\s+)[A-Za-z0-9._~+/-]+=*", LinearIgnoreCase)]
    internal static partial Regex BearerToken { get; }

    /// <summary>The token of an invitation link (<c>/account/invitations/&lt;token&gt;</c>), which request logs print as part of the URL.</summary>
    [GeneratedRegex(@"(?<prefix>/account/invitations/)[A-Za-z0-9_-]{16,}", Linear)]
    internal static partial Regex InvitationLink { get; }

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", Linear)]
    internal static partial Regex Email { get; }

    /// <summary>
    /// A run of digit groups joined by single spaces or dashes; <see cref="PaymentCards"/> decides which part,
    /// if any, is a card. <c>[0-9]</c>, not <c>\d</c>, because <c>\d</c> also matches non-ASCII digits.
    /// </summary>
    [GeneratedRegex(@"\b[0-9]+(?:[ -][0-9]+)*", Linear)]
    internal static partial Regex DigitRun { get; }
}
