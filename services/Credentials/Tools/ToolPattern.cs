using System.Buffers;

namespace Platform.Credentials.Tools;

/// <summary>
/// Glob patterns that restrict which tools a key may list and call: <c>*</c> matches any run of
/// characters including none and including <c>.</c> (so <c>everything.*</c> covers every tool of
/// that upstream server), <c>?</c> matches exactly one character. Matching is ordinal and case-sensitive,
/// like tool names.
/// </summary>
/// <remarks>
/// Matching never backtracks more than one star, so it takes at most
/// <c>pattern length × tool name length</c> steps; with patterns capped at 128 characters that is
/// linear in the tool name, and a hostile pattern or name cannot make it blow up the way a regex can.
/// </remarks>
public static class ToolPattern
{
    public const int MaxLength = 128;

    public static bool IsValid(string? pattern) =>
        pattern is { Length: > 0 and <= MaxLength } && !pattern.AsSpan().ContainsAnyExcept(PatternCharacters);

    /// <summary>Whether the tool name matches; an invalid pattern matches nothing, so a bad grant fails closed.</summary>
    public static bool Matches(string pattern, string toolName)
    {
        if (!IsValid(pattern) || string.IsNullOrEmpty(toolName))
        {
            return false;
        }

        var p = 0;
        var t = 0;
        var lastStar = -1;
        var textAtLastStar = 0;

        while (t < toolName.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == toolName[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                lastStar = p++;
                textAtLastStar = t;
            }
            else if (lastStar >= 0)
            {
                // Only the latest star needs retrying: earlier stars can absorb no more than this one already can.
                p = lastStar + 1;
                t = ++textAtLastStar;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    public static bool AnyMatches(IEnumerable<string> patterns, string toolName)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        foreach (var pattern in patterns)
        {
            if (Matches(pattern, toolName))
            {
                return true;
            }
        }

        return false;
    }

    private static readonly SearchValues<char> PatternCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-*?/:");
}
